package containerlabs.engine;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import containerlabs.netlink.Rtnetlink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a container's features made on the host, each written down in its state dir
 * ({@code made-on-host}, one line each) <em>before</em> it is made. The engine undoes the
 * list, last first, when the container ends, and so can any later lab or {@code ./lab clean}
 * after a SIGKILL, even a lab that lacks the feature that made it: lab 04 removes what lab
 * 06 left. The kinds are few and closed: a folder tree, a cgroup, a network device, an
 * element of an nftables map.
 */
public final class HostResources {
  static final String FILE = "made-on-host";

  private final Path stateDir;

  HostResources(Path stateDir) {
    this.stateDir = stateDir;
  }

  /** A folder and all in it, e.g. a container's writable layer. */
  public void tree(Path dir) {
    record(Kind.TREE, dir.toString());
  }

  /** A cgroup: a folder of the cgroup filesystem, removed with rmdir once empty. */
  public void cgroup(Path dir) {
    record(Kind.CGROUP, dir.toString());
  }

  /** A network device in the host's namespace, e.g. the host's end of a veth pair. */
  public void link(String name) {
    record(Kind.LINK, name);
  }

  /** An element of an nftables map, by its key: {@code "ip container_labs", "ports", "tcp . 8080"}. */
  public void nftElement(String table, String map, String key) {
    record(Kind.NFT_ELEMENT, table + " " + map + " " + key);
  }

  private void record(Kind kind, String what) {
    try {
      Files.writeString(stateDir.resolve(FILE), kind.word + " " + what + "\n",
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The recorded lines, as written. */
  static List<String> recorded(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    try {
      return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Remove all that was recorded, last first; what could not be removed is warned about, and
   * the rest still removed. Returns one line for each thing that was there and is gone.
   */
  List<String> undo() {
    List<String> lines = new ArrayList<>(recorded(stateDir));
    Collections.reverse(lines);
    List<String> removed = new ArrayList<>();
    for (String line : lines) {
      try {
        String done = undo(line);
        if (done != null) {
          removed.add(done);
        }
      } catch (RuntimeException e) {
        System.err.println("warning: cannot remove " + line + ": " + e.getMessage());
      }
    }
    return removed;
  }

  /** Undo one recorded line; a description of what was removed, or null if it was gone already. */
  static String undo(String line) {
    int space = line.indexOf(' ');
    Kind kind = Kind.of(line.substring(0, space));
    String what = line.substring(space + 1);
    return switch (kind) {
      case TREE -> deleteTree(Path.of(what)) ? "removed the folder " + what : null;
      case CGROUP -> removeCgroup(Path.of(what)) ? "removed the cgroup " + what : null;
      case LINK -> deleteLink(what) ? "removed the network device " + what : null;
      case NFT_ELEMENT -> deleteNftElement(what) ? "removed the nft element " + what : null;
    };
  }

  enum Kind {
    TREE("tree"), CGROUP("cgroup"), LINK("link"), NFT_ELEMENT("nft-element");

    final String word;

    Kind(String word) {
      this.word = word;
    }

    static Kind of(String word) {
      return Stream.of(values()).filter(k -> k.word.equals(word)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown kind of host resource '" + word + "'"));
    }
  }

  /**
   * An overlay goes with the container's mount namespace, which the kernel tears down a
   * moment after the last process in it: until then its work folder is busy. Retry a little.
   */
  static boolean deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return false;
    }
    for (int attempt = 0; ; attempt++) {
      try {
        Folders.deleteTree(dir);
        return true;
      } catch (IOException e) {
        if (attempt == 200) {
          throw new UncheckedIOException(e);
        }
        pause();
      }
    }
  }

  /**
   * rmdir removes a cgroup once no process is left in it (and no cgroup below it). After PID 1
   * the kernel kills the rest, which takes a moment; anything still there after that is ended
   * by its pid.
   */
  static boolean removeCgroup(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : (Iterable<Path>) children.filter(Files::isDirectory)::iterator) {
        removeCgroup(child);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int attempt = 0; Files.exists(dir); attempt++) {
      try {
        Files.delete(dir);
      } catch (IOException e) {
        if (attempt == 100) {
          for (String pid : processes(dir)) {
            Kernel.kill(Integer.parseInt(pid), Kernel.SIGKILL);
          }
        }
        if (attempt > 300) {
          throw new UncheckedIOException("cannot remove " + dir, e);
        }
        pause();
      }
    }
    return true;
  }

  /** The pids in a cgroup (not below it). */
  static List<String> processes(Path cgroup) {
    try {
      return Stream.of(Kernel.readFile(cgroup.resolve("cgroup.procs")).split("\\s+"))
          .filter(p -> !p.isEmpty()).toList();
    } catch (IOException e) {
      return List.of(); // it has just gone
    }
  }

  /**
   * The container's namespace goes when its last process has gone, and its end of a veth
   * pair with it, then the host's end; but the kernel does that in the background, tens of
   * milliseconds later. Deleting the host's end now takes both at once.
   */
  static boolean deleteLink(String name) {
    if (!Rtnetlink.exists(name)) {
      return false;
    }
    try (Rtnetlink netlink = Rtnetlink.open()) {
      netlink.delete(name);
      return true;
    } catch (SyscallException e) {
      return false; // ENODEV: the kernel was quicker
    }
  }

  /** {@code what}: family, table, map, then the key ({@code ip container_labs ports tcp . 8080}). */
  static boolean deleteNftElement(String what) {
    String[] words = what.split(" ", 4);
    return nft("delete", "element", words[0], words[1], words[2], "{ " + words[3] + " }") != null;
  }

  /** Run nft; its output, or null if it failed (no such table, element, or no nft at all). */
  static String nft(String... args) {
    List<String> command = new ArrayList<>(List.of("nft"));
    command.addAll(List.of(args));
    Trace.note(String.join(" ", command));
    try {
      Process nft = new ProcessBuilder(command).redirectErrorStream(true).start();
      nft.getOutputStream().close();
      String output = new String(nft.getInputStream().readAllBytes());
      return nft.waitFor() == 0 ? output : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static void pause() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while cleaning up", e);
    }
  }
}
