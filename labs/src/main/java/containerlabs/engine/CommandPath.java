package containerlabs.engine;

import containerlabs.kernel.SyscallException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a shell does before exec: find the command in PATH, and explain why it cannot run. */
final class CommandPath {
  private CommandPath() {}

  static String resolve(String command, String searchPath) {
    if (command.contains("/")) {
      if (!Files.exists(Path.of(command))) {
        throw new ContainerException(ExitStatus.NOT_FOUND, command
            + ": no such file in the container: check the path, or install it in the container");
      }
      return command;
    }
    for (String dir : searchPath.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new ContainerException(ExitStatus.NOT_FOUND, command
        + ": command not found in the container's PATH (" + searchPath
        + "): check the name, or give its full path");
  }

  static ContainerException execveFailed(String path, SyscallException e) {
    switch (e.errnoName()) {
      case "ENOENT":
        return new ContainerException(ExitStatus.NOT_FOUND, path
            + ": cannot execute: it or its interpreter is missing in the container (" + e.getMessage() + ")");
      case "EACCES":
      case "ENOEXEC":
      case "EISDIR":
      case "ETXTBSY":
        return new ContainerException(ExitStatus.CANNOT_EXECUTE, path
            + ": cannot execute: is it an executable file with x permission? (" + e.getMessage() + ")");
      default:
        return new ContainerException(ExitStatus.CANNOT_EXECUTE, e.getMessage());
    }
  }
}
