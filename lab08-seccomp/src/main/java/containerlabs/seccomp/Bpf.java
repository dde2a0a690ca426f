package containerlabs.seccomp;

import containerlabs.kernel.Architecture;
import java.util.ArrayList;
import java.util.List;

/**
 * One instruction of classic BPF, as a seccomp filter uses it: {@code code} says what to do,
 * {@code k} is its constant, and a conditional jump skips {@code jt} instructions when true,
 * {@code jf} when false (only forward: a filter always ends). The machine has one register,
 * A, and reads struct seccomp_data: {int nr; u32 arch; u64 instruction_pointer; u64 args[6]}.
 */
record Bpf(int code, int jt, int jf, int k) {
  // The opcodes of linux/bpf_common.h, combined as the kernel's filter.h does.
  private static final int LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = a word of seccomp_data
  private static final int JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: A == k ?
  private static final int JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K: A >= k ?
  private static final int JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K: (A & k) != 0 ?
  private static final int RET_K = 0x06; // BPF_RET | BPF_K: the verdict is k

  // Offsets in struct seccomp_data (linux/seccomp.h).
  static final int NR = 0;
  static final int ARCH = 4;
  static final int ARG0 = 16; // the low 32 bits of args[0]: both processors are little-endian

  // Verdicts (linux/seccomp.h): the action in the high 16 bits, its data (an errno) below.
  static final int KILL_PROCESS = 0x80000000;
  static final int ALLOW = 0x7fff0000;
  private static final int ERRNO = 0x00050000;

  // linux/audit.h: the architecture a system call was made for.
  static final int AUDIT_ARCH_X86_64 = 0xc000003e;
  static final int AUDIT_ARCH_AARCH64 = 0xc00000b7;

  /** A = the word at {@code offset} of seccomp_data. */
  static Bpf load(int offset) {
    return new Bpf(LD_W_ABS, 0, 0, offset);
  }

  /** If A == k skip {@code ifTrue} instructions, else {@code ifFalse}. */
  static Bpf jumpIfEqual(int k, int ifTrue, int ifFalse) {
    return new Bpf(JEQ_K, ifTrue, ifFalse, k);
  }

  /** If A >= k (unsigned) skip {@code ifTrue} instructions, else {@code ifFalse}. */
  static Bpf jumpIfAtLeast(int k, int ifTrue, int ifFalse) {
    return new Bpf(JGE_K, ifTrue, ifFalse, k);
  }

  /** If A has any bit of k skip {@code ifTrue} instructions, else {@code ifFalse}. */
  static Bpf jumpIfAnyBit(int k, int ifTrue, int ifFalse) {
    return new Bpf(JSET_K, ifTrue, ifFalse, k);
  }

  /** The verdict: {@link #ALLOW}, {@link #KILL_PROCESS} or {@link #errno}. */
  static Bpf ret(int verdict) {
    return new Bpf(RET_K, 0, 0, verdict);
  }

  /** The verdict that fails the call with {@code errno}, not running it. */
  static int errno(int errno) {
    return ERRNO | errno;
  }

  /** The audit architecture of {@code machine}: what seccomp_data.arch holds for its calls. */
  static int auditArch(Architecture machine) {
    return machine == Architecture.X86_64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64;
  }

  /** What the kernel binding takes: {code, jt, jf, k}. */
  int[] toArray() {
    return new int[] {code, jt, jf, k};
  }

  /** The program in readable form, one line per instruction, as {@code seccomp-tools dump} prints it. */
  static List<String> dump(List<Bpf> program, Architecture machine) {
    List<String> lines = new ArrayList<>();
    lines.add(" line  CODE  JT   JF      K");
    lines.add("=================================");
    for (int line = 0; line < program.size(); line++) {
      Bpf bpf = program.get(line);
      lines.add(String.format(" %04d: 0x%02x 0x%02x 0x%02x 0x%08x  %s",
          line, bpf.code, bpf.jt, bpf.jf, bpf.k, bpf.readable(program, line, machine)));
    }
    return lines;
  }

  private String readable(List<Bpf> program, int line, Architecture machine) {
    return switch (code) {
      case LD_W_ABS -> "A = " + switch (k) {
        case NR -> "sys_number";
        case ARCH -> "arch";
        case ARG0 -> "args[0]";
        default -> "data[" + k + "]";
      };
      case RET_K -> "return " + verdict(k);
      case JEQ_K, JGE_K, JSET_K -> jump(program, line, machine);
      default -> String.format("unknown code 0x%02x", code);
    };
  }

  private String jump(List<Bpf> program, int line, Architecture machine) {
    String value = constant(program, line, machine);
    String test = switch (code) {
      case JEQ_K -> "A == " + value;
      case JGE_K -> "A >= " + value;
      default -> "A & " + value;
    };
    String negated = switch (code) {
      case JEQ_K -> "A != " + value;
      case JGE_K -> "A < " + value;
      default -> "!(A & " + value + ")";
    };
    String whenTrue = String.format("%04d", line + 1 + jt);
    String whenFalse = String.format("%04d", line + 1 + jf);
    if (jt == 0) {
      return "if (" + negated + ") goto " + whenFalse;
    }
    if (jf == 0) {
      return "if (" + test + ") goto " + whenTrue;
    }
    return "if (" + test + ") goto " + whenTrue + " else goto " + whenFalse;
  }

  /** k by name where the last load says what A holds: an architecture or a system call. */
  private String constant(List<Bpf> program, int line, Architecture machine) {
    int loaded = -1;
    for (int i = line - 1; i >= 0 && loaded < 0; i--) {
      if (program.get(i).code == LD_W_ABS) {
        loaded = program.get(i).k;
      }
    }
    if (loaded == ARCH && k == AUDIT_ARCH_X86_64) {
      return "ARCH_X86_64";
    }
    if (loaded == ARCH && k == AUDIT_ARCH_AARCH64) {
      return "ARCH_AARCH64";
    }
    Syscall call = loaded == NR ? Syscall.of(machine, k) : null;
    return call != null ? call.manName() : String.format("0x%x", k);
  }

  private static String verdict(int k) {
    if (k == ALLOW) {
      return "ALLOW";
    }
    if (k == KILL_PROCESS) {
      return "KILL";
    }
    if ((k & 0xffff0000) == ERRNO) {
      return "ERRNO(" + (k & 0xffff) + ")";
    }
    return String.format("0x%08x", k);
  }
}
