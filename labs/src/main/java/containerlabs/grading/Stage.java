package containerlabs.grading;

import containerlabs.engine.Folders;
import containerlabs.image.ImageStore;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What one submission's test run may see, built in a fresh folder: the submission's own code
 * (only {@code lab0N-*\/src/main/java}) with everything else the reference's — the tests, the
 * shared module as jars, the libraries — plus a few system files and the images. Nothing of
 * the reference's labs, its build output or the grades is in it: a submission that could
 * read them could load the reference's classes and pass.
 */
final class Stage {
  /** Caps on what is taken from a submission: sources are small, a hostile tree need not be. */
  static final long MAX_FILE = 1 << 20;
  static final long MAX_TOTAL = 64L << 20;
  static final int MAX_FILES = 5000;

  /** The few files of the host's /etc a JVM and the labs' tools need, nothing secret. */
  private static final List<String> ETC = List.of("alternatives", "java-17-openjdk", "ld.so.cache",
      "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "protocols", "services", "os-release");

  final Path dir;
  final List<String> notes = new ArrayList<>();
  private long taken;
  private int files;
  private Process started;
  private boolean deleted;

  private Stage(Path dir) {
    this.dir = dir;
  }

  /** An empty stage: its folder exists from here on, and {@link #delete} must follow on every path. */
  static Stage create() throws IOException {
    return new Stage(Files.createTempDirectory(Path.of("/var/tmp"), "container-labs-grading-"));
  }

  synchronized void assemble(Path reference, Path submission, Catalog catalog, List<String> modules) throws IOException {
    stillThere();
    Path grading = Files.createDirectories(dir.resolve("grading"));
    for (String module : modules) {
      takeSources(submission.resolve(module).resolve("src/main/java"), grading.resolve(module).resolve("src/main/java"));
      copyTree(reference.resolve(module).resolve("src/test/java"), grading.resolve(module).resolve("src/test/java"));
    }
    Path lib = Files.createDirectories(grading.resolve("lib"));
    Path labs = reference.resolve("labs/target");
    for (String jar : List.of("labs.jar", "labs-tests.jar")) {
      Files.copy(labs.resolve(jar), lib.resolve(jar));
    }
    try (Stream<Path> jars = Files.list(labs.resolve("grading-lib"))) {
      for (Path jar : (Iterable<Path>) jars::iterator) {
        Files.copy(jar, lib.resolve(jar.getFileName()));
      }
    }
    Path etc = Files.createDirectories(dir.resolve("etc"));
    for (String name : ETC) {
      copyTree(Path.of("/etc", name), etc.resolve(name));
    }
    Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost grading\n::1 localhost\n");
    Files.writeString(etc.resolve("hostname"), "grading\n"); // the tests use it as a file that is not a program
    Files.createDirectories(dir.resolve("images"));
    copyTree(ImageStore.ROOT.resolve("busybox"), dir.resolve("images/busybox"));
    Files.writeString(dir.resolve("run-tests"), RunScript.of(catalog, modules));
  }

  /**
   * The submission's sources, copied without ever following a link: a link is copied as the
   * link it is, so it means in the test run only what it means there (where nothing of the
   * reference exists). Devices, sockets and oversized trees are left out, and said so.
   */
  private void takeSources(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      return; // the lab's code is missing: its tests do not compile, and score nothing
    }
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(d).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        Path target = to.resolve(from.relativize(file).toString());
        String rel = file.toString();
        if (a.isSymbolicLink()) {
          Files.createSymbolicLink(target, Files.readSymbolicLink(file));
          notes.add("a link, copied as a link (not followed): " + rel);
        } else if (!a.isRegularFile()) {
          notes.add("not a file, left out: " + rel);
        } else if (a.size() > MAX_FILE || taken + a.size() > MAX_TOTAL || ++files > MAX_FILES) {
          notes.add("too large, left out: " + rel);
        } else {
          taken += a.size();
          Files.copy(file, target, LinkOption.NOFOLLOW_LINKS);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** The reference's own trees (trusted): copied as they are. */
  private static void copyTree(Path from, Path to) throws IOException {
    if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(path, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Starts what runs on the stage (the VM, or the tests in place), so that {@link #delete} ends it. */
  synchronized Process start(ProcessBuilder builder) throws IOException {
    stillThere();
    started = builder.start();
    return started;
  }

  /**
   * Ends everything the grader started, then removes the stage; once. A stopped grader's shutdown
   * hook calls it while the main thread may still be assembling, starting or deleting (the JVM
   * does not pause other threads for its hooks): the lock makes each of those whole, so neither
   * a file copied after the delete nor two deletes racing can leave part of the stage behind.
   */
  synchronized void delete() throws IOException, InterruptedException {
    if (deleted) {
      return;
    }
    deleted = true;
    ProcessTree.killAll(started);
    Folders.deleteTree(dir);
  }

  private void stillThere() throws IOException {
    if (deleted) {
      throw new IOException("the grader is stopping: its stage is gone");
    }
  }
}
