package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.Images;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Debian root filesystem as debootstrap leaves it (device nodes in /dev, dpkg's database),
 * made from this host's own installed packages, so that no test fetches from a mirror:
 * Debian's apt and dpkg run in it, in lab 06, within limits.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab06-cgroups: a Debian root filesystem")
class DebianImageTest {
  /** The packages apt-get, dpkg and sh need, found by the libraries they load. */
  private static final String ROOTFS = """
      set -e
      root=$1/root
      mkdir -p $root/usr/bin $root/usr/sbin $root/usr/lib $root/usr/lib64 $root/etc $root/dev \
        $root/var/lib/dpkg/info $root/var/lib/dpkg/updates $root/tmp $root/proc $root/sys $root/root
      for d in bin sbin lib lib64; do ln -s usr/$d $root/$d; done
      libs=$(ldd /usr/bin/apt-get /usr/bin/dpkg /usr/bin/dpkg-query /bin/dash \
        | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | sort -u)
      # dpkg knows a library by one of its names: /lib/... or, merged, /usr/lib/...
      packages=$(for lib in $libs; do
        { dpkg -S "$lib" || dpkg -S "/usr$lib" || dpkg -S "$(readlink -f "$lib")"; } 2>/dev/null | head -n 1 | cut -d: -f1
      done | sort -u)
      packages=$(printf "%s\n" base-files dash dpkg apt $packages | sort -u)
      for p in $packages; do
        dpkg -L $p | grep -Ev '^/usr/share/(doc|man|locale|info|lintian|bug)/|/gconv/' | while read -r f; do
          if [ -L "$f" ] || [ ! -d "$f" ]; then cp -a --parents "$f" $root 2>/dev/null || true; fi
        done
      done
      dpkg-query -s $packages > $root/var/lib/dpkg/status
      echo 'root:x:0:0:root:/root:/bin/sh' > $root/etc/passwd
      echo 'root:x:0:' > $root/etc/group
      mknod -m 666 $root/dev/null c 1 3
      mknod -m 600 $root/dev/console c 5 1
      tar --numeric-owner -C $root -cf $1/debian.tar .
      echo $1/debian.tar
      """;

  private final LabRunner images = LabRunner.of(Images.class);
  private final String name = "debian-test-" + ThreadLocalRandom.current().nextInt(1_000_000);

  @AfterEach
  void removeImage() {
    images.run("rm", name);
  }

  @Test
  @DisplayName("imports with --allow-devices only, and Debian's apt-get and dpkg run in it")
  void aptAndDpkgRun(@TempDir Path work) {
    String tarball = Host.sh("sh -c '" + ROOTFS.replace("'", "'\\''") + "' rootfs " + work).strip();
    tarball = tarball.substring(tarball.lastIndexOf('\n') + 1);

    Result refused = images.run("import", name, tarball);
    assertEquals(125, refused.exitStatus(), refused::toString);
    assertTrue(refused.stderr().contains("is a device file") && refused.stderr().contains("--allow-devices"),
        refused::toString);
    Result imported = images.run("import", "--allow-devices", name, tarball);
    assertEquals(0, imported.exitStatus(), imported::toString);

    LabRunner lab = LabRunner.of(Lab06.class);
    Result apt = lab.run("--image", name, "-m", "128m", "--", "apt-get", "--version");
    assertEquals(0, apt.exitStatus(), apt::toString);
    String aptVersion = Host.sh("dpkg-query -W -f='${Version}' apt").strip();
    assertTrue(apt.lines().get(0).startsWith("apt " + aptVersion + " "), apt::toString);

    Result dpkg = lab.run("--image", name, "-m", "128m", "--", "dpkg", "-l");
    assertEquals(0, dpkg.exitStatus(), dpkg::toString);
    for (String p : new String[] {"apt", "dpkg", "libc6", "base-files"}) {
      String version = Host.sh("dpkg-query -W -f='${Version}' " + p).strip();
      assertTrue(dpkg.lines().stream().anyMatch(l -> l.matches("ii  " + p + "(:\\w+)?\\s+\\Q" + version + "\\E\\s.*")),
          () -> p + " " + version + " not listed as installed:\n" + dpkg);
    }
  }
}
