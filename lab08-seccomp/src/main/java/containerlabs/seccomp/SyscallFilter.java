package containerlabs.seccomp;

import static containerlabs.kernel.CloneFlags.CLONE_NEWUSER;
import static containerlabs.seccomp.Bpf.ALLOW;
import static containerlabs.seccomp.Bpf.ARCH;
import static containerlabs.seccomp.Bpf.ARG0;
import static containerlabs.seccomp.Bpf.KILL_PROCESS;
import static containerlabs.seccomp.Bpf.NR;
import static containerlabs.seccomp.Bpf.errno;
import static containerlabs.seccomp.Bpf.jumpIfAnyBit;
import static containerlabs.seccomp.Bpf.jumpIfAtLeast;
import static containerlabs.seccomp.Bpf.jumpIfEqual;
import static containerlabs.seccomp.Bpf.load;
import static containerlabs.seccomp.Bpf.ret;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.kernel.Architecture;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.Trace;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Lab 08: a seccomp filter. The kernel runs it on every system call the command makes, and
 * it refuses the calls a container has no business making, the most dangerous ones of
 * Docker's default profile: the kernel's keyring (not namespaced), mounts, ptrace, loading a
 * kernel or a module, BPF programs, perf events, reboot, and new user namespaces (a fresh
 * set of capabilities over namespaces of its own: the way in to much of the kernel's code).
 */
public class SyscallFilter implements Feature {
  // tag::denied[]
  /** Refused with EPERM, whatever their arguments. */
  static final List<Syscall> DENIED = List.of(Syscall.KEYCTL, Syscall.ADD_KEY,
      Syscall.REQUEST_KEY, Syscall.MOUNT, Syscall.UMOUNT2, Syscall.PTRACE, Syscall.KEXEC_LOAD,
      Syscall.KEXEC_FILE_LOAD, Syscall.BPF, Syscall.PERF_EVENT_OPEN, Syscall.REBOOT,
      Syscall.INIT_MODULE, Syscall.FINIT_MODULE, Syscall.DELETE_MODULE);
  // end::denied[]

  static final int EPERM = 1;
  static final int ENOSYS = 38;
  /** x86_64 also takes x32 calls, with this bit set in their numbers: mount is 0x400000a5 there. */
  static final int X32_SYSCALL_BIT = 0x40000000;

  @Option(names = "--security-opt", paramLabel = "seccomp=unconfined",
      description = "seccomp=unconfined: no system call filter (default: the lab's filter).")
  String securityOpt;

  /** Whether the container gets the filter (not with --security-opt seccomp=unconfined). */
  boolean enabled() {
    return !"seccomp=unconfined".equals(securityOpt);
  }

  @Override
  public void prepare(Container container) {
    if (securityOpt != null && enabled()) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--security-opt " + securityOpt
          + ": this lab knows only seccomp=unconfined (no filter); leave the option out for the filter");
    }
  }

  /**
   * Last of all the init's setup: from here on the init's own calls are filtered too, so
   * nothing after it may need a refused call (the engine only changes the working folder and
   * the user, then calls execve, which the filter allows).
   */
  @Override
  public void initContainer(Container container) {
    install();
  }

  /** ./lab exec: the command gets the filter the container's processes have. */
  @Override
  public void joinContainer(Container container) {
    install();
  }

  // tag::install[]
  private void install() {
    if (!enabled()) {
      return;
    }
    Architecture machine = Architecture.current();
    List<Bpf> program = program(machine);
    if (Trace.enabled()) {
      Bpf.dump(program, machine).forEach(Trace::note);
    }
    // A filter is inherited through execve, and could make a setuid program misbehave (fail
    // to drop its privileges, say): so the kernel takes one from an unprivileged process
    // only once no_new_privs is set, as lab 04's init did. (Root could install it anyway.)
    Kernel.setSeccompFilter(program.stream().map(Bpf::toArray).toList());
  }
  // end::install[]

  // tag::program[]
  /** The filter: check the architecture, refuse the denied calls, allow the rest. */
  static List<Bpf> program(Architecture machine) {
    List<Bpf> program = new ArrayList<>();
    // BEGIN SOLUTION(the filter: the architecture or KILL_PROCESS, then the denied calls, then clone3, unshare and clone of a user namespace; §8.3)
    // The numbers mean something else on another architecture (a 32-bit call on x86_64,
    // say): a call made for any other is killed, not looked up in the wrong table.
    program.add(load(ARCH));
    program.add(jumpIfEqual(Bpf.auditArch(machine), 1, 0));
    program.add(ret(KILL_PROCESS));
    program.add(load(NR));
    if (machine == Architecture.X86_64) {
      program.add(jumpIfAtLeast(X32_SYSCALL_BIT, 0, 1)); // x32 numbers alias x86_64's calls
      program.add(ret(KILL_PROCESS));
    }
    for (Syscall call : DENIED) {
      program.add(jumpIfEqual(call.number(machine), 0, 1));
      program.add(ret(errno(EPERM)));
    }
    // clone3's flags are in memory, which a filter cannot read: ENOSYS makes the C library
    // fall back to clone, whose flags are args[0] (as Docker does).
    program.add(jumpIfEqual(Syscall.CLONE3.number(machine), 0, 1));
    program.add(ret(errno(ENOSYS)));
    program.add(jumpIfEqual(Syscall.UNSHARE.number(machine), 1, 0));
    program.add(jumpIfEqual(Syscall.CLONE.number(machine), 0, 3));
    program.add(load(ARG0)); // the flags
    program.add(jumpIfAnyBit(CLONE_NEWUSER, 0, 1));
    program.add(ret(errno(EPERM)));
    // END SOLUTION
    program.add(ret(ALLOW));
    return program;
  }
  // end::program[]
}
