package containerlabs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The labs' system call numbers are the kernel's, on each processor they support. */
class ArchitectureTest {

  @Test
  @DisplayName("x86_64: pivot_root is 155 and keyctl 250, as in arch/x86/entry/syscalls/syscall_64.tbl")
  void x86_64() {
    check("amd64", Architecture.X86_64, 155, 250, "amd64"); // amd64: Java's name for x86_64
  }

  @Test
  @DisplayName("aarch64: pivot_root is 41 and keyctl 219, as in include/uapi/asm-generic/unistd.h (155 is getpgid there)")
  void aarch64() {
    check("aarch64", Architecture.AARCH64, 41, 219, "arm64");
  }

  private static void check(String osArch, Architecture expected, long pivotRoot, long keyctl, String imageName) {
    Architecture architecture = Architecture.of(osArch);
    assertEquals(expected, architecture);
    assertEquals(pivotRoot, architecture.pivotRoot);
    assertEquals(keyctl, architecture.keyctl);
    assertEquals(imageName, architecture.imageName);
  }

  @Test
  @DisplayName("on this machine, the table's pivot_root number is pivot_root: it fails as pivot_root fails")
  void thisMachine() {
    // Paths that do not exist: pivot_root refuses them (EPERM without CAP_SYS_ADMIN, else ENOENT)
    // and changes nothing. Another call under that number would fail otherwise, or succeed.
    String missing = "/nonexistent-" + ProcessHandle.current().pid();
    SyscallException e = assertThrows(SyscallException.class, () -> Kernel.pivotRoot(missing, missing));
    assertTrue(Set.of("ENOENT", "EPERM").contains(e.errnoName()), e.getMessage());
  }

  @Test
  @DisplayName("another processor or system is refused in one line that says what is supported")
  void unsupported() {
    assertNull(Architecture.refusal("Linux", "amd64"));
    assertNull(Architecture.refusal("Linux", "aarch64"));
    assertNull(Architecture.of("riscv64"));
    String riscv = Architecture.refusal("Linux", "riscv64");
    assertTrue(riscv.contains("riscv64") && riscv.contains("x86_64 and aarch64"), riscv);
    String mac = Architecture.refusal("Mac OS X", "aarch64");
    assertTrue(mac.contains("Linux only") && mac.contains("vagrant up"), mac);
    for (String message : new String[] {riscv, mac}) {
      assertFalse(message.contains("\n"), message);
    }
  }
}
