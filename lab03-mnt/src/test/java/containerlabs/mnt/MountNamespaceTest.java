package containerlabs.mnt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Guide;
import containerlabs.testing.Expect;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab03-mnt")
class MountNamespaceTest {
  private final LabRunner lab = LabRunner.of(Lab03.class);

  @Test
  @Points(2)
  @DisplayName("ps lists only the container's processes: itself, as PID 1")
  void psSeesOnlyTheContainer() {
    Result run = lab.run("--", "ps", "-e", "-o", "pid=,comm=");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals(List.of("1 ps"), run.lines().stream().map(String::strip).toList());
  }

  @Test
  @Points(1)
  @DisplayName("the container has its own mount namespace")
  void ownMountNamespace() {
    Result run = lab.run("--", "readlink", "/proc/self/ns/mnt");
    assertTrue(run.out().startsWith("mnt:["), run::toString);
    assertNotEquals(Host.namespace("mnt"), run.out());
  }

  @Test
  @Points(1)
  @DisplayName("a mount made inside is invisible on the host while it runs, and gone after")
  @Guide("What you should observe")
  void mountInsideIsInvisible() throws Exception {
    String name = "labtest" + ThreadLocalRandom.current().nextInt(1_000_000);
    Process running = lab.start("--", "sh", "-c",
        "mount -t tmpfs " + name + " /mnt && grep -c " + name + " /proc/self/mountinfo && read line");
    BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream()));
    String seenInside = out.readLine();
    boolean seenOnHost = Host.mountinfo().stream().anyMatch(l -> l.contains(name));
    running.getOutputStream().write('\n');
    Result run = LabRunner.finish(running);
    assertEquals("1", seenInside, run::toString);
    assertFalse(seenOnHost, "the container's tmpfs " + name + " is in the host's mount table");
    assertEquals(0, run.exitStatus(), run::toString);
    assertFalse(Host.mountinfo().stream().anyMatch(l -> l.contains(name)));
  }

  @Test
  @Points(2)
  @DisplayName("/ is made private first: a mount inside does not propagate even under a shared host mount")
  @Guide("The idea")
  void noPropagationToTheHost() throws Exception {
    String name = "labtest" + ThreadLocalRandom.current().nextInt(1_000_000);
    Path shared = Files.createTempDirectory("container-labs-shared");
    Host.sh("mount -t tmpfs " + name + "-host " + shared + " && mount --make-shared " + shared
        + " && mkdir " + shared + "/sub");
    try {
      Result run = lab.run("--", "sh", "-c", "mount -t tmpfs " + name + "-inside " + shared + "/sub"
          + " && grep -c " + name + "-inside /proc/self/mountinfo");
      assertEquals("1", run.out(), run::toString);
      assertFalse(Host.mountinfo().stream().anyMatch(l -> l.contains(name + "-inside")),
          "the container's mount propagated to the host through a shared mount");
    } finally {
      Host.sh("umount " + shared + "/sub 2>/dev/null; umount " + shared + " && rmdir " + shared);
    }
  }

  @Test
  @Points(1)
  @DisplayName("the host's mount table is the same after a run")
  @Guide("What goes wrong without it")
  void hostMountsUnchanged() {
    List<String> before = Host.mountinfo();
    Result run = lab.run("--", "sh", "-c", "mount -t tmpfs none /tmp && mount -t tmpfs none /mnt");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals(before, Host.mountinfo());
  }

  @Test
  @Points(1)
  @DisplayName("--trace shows the init, as PID 1, making / private, then mounting /proc")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    String trace = run.stderr();
    Expect.contains("the trace", trace, "unshare(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC)");
    Expect.matches("the trace", trace, "(?s).*\\[init 1\\] +mount\\(\"none\", \"/\", NULL, MS_REC\\|MS_PRIVATE, NULL\\) +# mount --make-rprivate /\n.*");
    Expect.matches("the trace", trace, "(?s).*\\[init 1\\] +mount\\(\"proc\", \"/proc\", \"proc\", .*# mount -t proc .*proc /proc\n.*");
    assertTrue(trace.indexOf("MS_PRIVATE") < trace.indexOf("\"/proc\""), trace);
  }

  @Test
  @DisplayName("the host's System V shared memory is invisible inside; with --ipc host it is shared")
  @Guide("IPC objects of its own")
  void ownIpcObjects() {
    String made = Host.sh("ipcmk -M 4096");
    String id = made.replaceAll("(?s).*?(\\d+).*", "$1");
    try {
      // /proc/sysvipc lists the segments of the reader's IPC namespace: column 2 is the id.
      String probe = "readlink /proc/self/ns/ipc; awk -v id=" + id + " '$2 == id { print \"sees it\" }' /proc/sysvipc/shm";
      Result own = lab.run("--", "sh", "-c", probe);
      assertEquals(0, own.exitStatus(), own::toString);
      assertNotEquals(Host.namespace("ipc"), own.lines().get(0), "the container is in the host's IPC namespace");
      assertEquals(1, own.lines().size(), "the container sees the host's shared memory " + id + ": " + own);
      Result shared = lab.run("--ipc", "host", "--", "sh", "-c", probe);
      assertEquals(List.of(Host.namespace("ipc"), "sees it"), shared.lines(), shared::toString);
    } finally {
      Host.sh("ipcrm -m " + id);
    }
  }

  @Test
  @DisplayName("--ipc with anything but host is refused in one line, exit status 125")
  void badIpcMode() {
    Result run = lab.run("--ipc", "shareable", "--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    Expect.contains("the error", run.stderr(), "--ipc shareable: unknown mode");
  }

  @Test
  @Points(1)
  @DisplayName("the earlier labs still hold: own hostname, and the command is PID 1")
  @Guide({"lab01", "lab02"})
  void earlierLabsStillHold() {
    Result run = lab.run("--hostname", "box", "--", "sh", "-c", "hostname; echo $$");
    assertEquals(List.of("box", "1"), run.lines(), run::toString);
  }
}
