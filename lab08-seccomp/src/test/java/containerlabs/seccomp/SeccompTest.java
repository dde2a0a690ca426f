package containerlabs.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.kernel.Architecture;
import containerlabs.kernel.CloneFlags;
import containerlabs.testing.Guide;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab08-seccomp")
class SeccompTest {
  private static final String REFUSED = "Operation not permitted";
  private final LabRunner lab = LabRunner.of(Lab08.class);

  @Test
  @Points(2)
  @DisplayName("/proc/1/status says Seccomp: 2 (a filter), and 0 with --security-opt seccomp=unconfined")
  @Guide("What you should observe")
  void filterInstalled() {
    Result run = lab.run("--net", "none", "--", "grep", "^Seccomp:", "/proc/1/status");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("Seccomp: 2", run.out().strip().replaceAll("\\s+", " "), run::toString);
    Result off = lab.run("--net", "none", "--security-opt", "seccomp=unconfined", "--",
        "grep", "^Seccomp:", "/proc/1/status");
    assertEquals(0, off.exitStatus(), off::toString);
    assertEquals("Seccomp: 0", off.out().strip().replaceAll("\\s+", " "), off::toString);
  }

  @Test
  @Points(2)
  @DisplayName("unshare -U (a user namespace, which needs no capability) is refused, and works unconfined")
  @Guide("What you should observe")
  void userNamespaceRefused() {
    // Nothing else stops it: the container's root may nest a user namespace, even without
    // capabilities. So EPERM here is the filter's, as the unconfined run proves.
    for (String userns : List.of("private", "host")) {
      List<String> mode = userns.equals("host") ? List.of("--userns", "host") : List.of();
      Result run = lab.run(args(mode, "--", "sh", "-c", "unshare -U true 2>&1; echo status=$?"));
      assertEquals(0, run.exitStatus(), run::toString);
      assertTrue(run.out().contains(REFUSED) && run.out().contains("status=1"), run::toString);
      Result off = lab.run(args(mode, "--security-opt", "seccomp=unconfined", "--",
          "sh", "-c", "unshare -U true 2>&1; echo status=$?"));
      assertEquals("status=0", off.out().strip(), off::toString);
    }
  }

  @Test
  @Points(2)
  @DisplayName("what a container needs still works: fork (clone3 falls back to clone), exec, pipes, files")
  @Guide("What you should observe")
  void allowedCallsWork() {
    // sh forks with clone (glibc and musl try clone3 first and fall back on ENOSYS).
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "echo hello | cat > /tmp/f && cat /tmp/f && ls /bin/sh && (sleep 0 & wait) && id -u"
            + " && sh -c 'exit 3'; echo status=$?");
    assertEquals(List.of("hello", "/bin/sh", "0", "status=3"), run.lines(), run::toString);
    assertEquals(0, run.exitStatus(), run::toString);
  }

  @Test
  @Points(2)
  @DisplayName("the program refuses each denied call with EPERM, kills a foreign architecture, allows the rest")
  @Guide("The code")
  void programDecides() {
    for (Architecture machine : Architecture.values()) {
      List<Bpf> program = SyscallFilter.program(machine);
      int arch = Bpf.auditArch(machine);
      for (Syscall call : SyscallFilter.DENIED) {
        assertEquals(Bpf.errno(1), run(program, arch, call.number(machine), 0), machine + " " + call);
      }
      int unshare = Syscall.UNSHARE.number(machine);
      int clone = Syscall.CLONE.number(machine);
      assertEquals(Bpf.errno(1), run(program, arch, unshare, CloneFlags.CLONE_NEWUSER), machine + " unshare");
      assertEquals(Bpf.ALLOW, run(program, arch, unshare, CloneFlags.CLONE_NEWNS), machine + " unshare");
      assertEquals(Bpf.errno(1), run(program, arch, clone, CloneFlags.CLONE_NEWUSER | 17), machine + " clone");
      assertEquals(Bpf.ALLOW, run(program, arch, clone, 17), machine + " clone (fork: SIGCHLD)");
      assertEquals(Bpf.errno(38), run(program, arch, Syscall.CLONE3.number(machine), 0), machine + " clone3");
      assertEquals(Bpf.ALLOW, run(program, arch, 0, 0), machine + " call 0 (read, io_setup)");
      assertEquals(Bpf.ALLOW, run(program, arch, 59, 0), machine + " call 59");
      assertEquals(Bpf.KILL_PROCESS, run(program, 0x40000003, 165, 0), machine + " i386's call");
    }
    // x32's numbers on x86_64: mount is 0x40000000 + 165 there.
    assertEquals(Bpf.KILL_PROCESS, run(SyscallFilter.program(Architecture.X86_64),
        Bpf.AUDIT_ARCH_X86_64, 0x40000000 + 165, 0));
  }

  @Test
  @Points(1)
  @DisplayName("--trace prints the filter, one instruction a line, as seccomp-tools dump does")
  @Guide("The kernel calls")
  void traceDumpsTheFilter() {
    Result run = lab.run("--net", "none", "--trace", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    String trace = run.stderr();
    assertTrue(trace.contains("0000: 0x20 0x00 0x00 0x00000004  A = arch"), trace);
    assertTrue(trace.contains("if (A != mount) goto"), trace);
    assertTrue(trace.contains("return ERRNO(1)"), trace);
    assertTrue(trace.contains("return ALLOW"), trace);
    assertTrue(trace.contains("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER"), trace);
  }

  @Test
  @DisplayName("--security-opt with anything but seccomp=unconfined: a one-line error, status 125")
  @Guide("What you should observe")
  void badOption() {
    Result run = lab.run("--net", "none", "--security-opt", "apparmor=unconfined", "--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    assertTrue(run.stderr().strip().lines().count() == 1 && run.stderr().contains("seccomp=unconfined"),
        run::toString);
  }

  private static String[] args(List<String> first, String... rest) {
    List<String> all = new java.util.ArrayList<>(List.of("--net", "none"));
    all.addAll(first);
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  /** The program on seccomp_data {nr, arch, args[0]}, as the kernel's classic BPF runs it. */
  private static int run(List<Bpf> program, int arch, int nr, int arg0) {
    int a = 0;
    for (int pc = 0; pc < program.size(); pc++) {
      Bpf bpf = program.get(pc);
      switch (bpf.code()) {
        case 0x20 -> a = switch (bpf.k()) {
          case Bpf.NR -> nr;
          case Bpf.ARCH -> arch;
          case Bpf.ARG0 -> arg0;
          default -> throw new AssertionError("load of seccomp_data offset " + bpf.k());
        };
        case 0x15 -> pc += a == bpf.k() ? bpf.jt() : bpf.jf();
        case 0x35 -> pc += Integer.compareUnsigned(a, bpf.k()) >= 0 ? bpf.jt() : bpf.jf();
        case 0x45 -> pc += (a & bpf.k()) != 0 ? bpf.jt() : bpf.jf();
        case 0x06 -> {
          return bpf.k();
        }
        default -> throw new AssertionError("instruction " + pc + ": code " + bpf.code());
      }
    }
    throw new AssertionError("the program ran off its end: the kernel refuses such a filter");
  }
}
