package containerlabs.seccomp;

import containerlabs.kernel.Architecture;

/**
 * The system calls the filter names, by number: a filter sees only the number, and each
 * processor has its own table (x86_64's arch/x86/entry/syscalls/syscall_64.tbl, aarch64's the
 * generic include/uapi/asm-generic/unistd.h): mount is 165 on one, 40 on the other.
 */
enum Syscall {
  KEYCTL(250, 219),
  ADD_KEY(248, 217),
  REQUEST_KEY(249, 218),
  MOUNT(165, 40),
  UMOUNT2(166, 39),
  PTRACE(101, 117),
  KEXEC_LOAD(246, 104),
  KEXEC_FILE_LOAD(320, 294),
  BPF(321, 280),
  PERF_EVENT_OPEN(298, 241),
  REBOOT(169, 142),
  INIT_MODULE(175, 105),
  FINIT_MODULE(313, 273),
  DELETE_MODULE(176, 106),
  UNSHARE(272, 97),
  CLONE(56, 220),
  CLONE3(435, 435);

  private final int x86_64;
  private final int aarch64;

  Syscall(int x86_64, int aarch64) {
    this.x86_64 = x86_64;
    this.aarch64 = aarch64;
  }

  /** Its number on {@code machine}. */
  int number(Architecture machine) {
    return machine == Architecture.X86_64 ? x86_64 : aarch64;
  }

  /** Its name, as in its man page. */
  String manName() {
    return name().toLowerCase();
  }

  /** The call of that number on {@code machine}, or null. */
  static Syscall of(Architecture machine, int number) {
    for (Syscall call : values()) {
      if (call.number(machine) == number) {
        return call;
      }
    }
    return null;
  }
}
