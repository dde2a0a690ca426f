package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.LabRunner;
import containerlabs.testing.LabTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guide's table "runc's defaults and lab 06, side by side": the same probes
 * (isolation-probes.sh) run in {@code runc run} on a bundle made by {@code runc spec} and in lab
 * 06 with no options, both on the busybox image. The table in the guide is what this test
 * printed; the test fails when either side no longer gives what the guide says.
 * {@code RECORD_TABLES=1} writes the table instead (docs/record-transcripts.sh does).
 */
@LabTest
@Tag("reliability")
@DisplayName("lab06-cgroups: isolation side by side with runc")
class RuncComparisonTest {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0");
  private static final Path TABLE = Path.of("../docs/src/docs/asciidoc/generated/runc-comparison.adoc");
  private static final String CGROUP_ROWS = "cgroup";

  /** A row of the table: what is probed, and how a probe's raw value reads in the guide. */
  private record Row(String label, String key, String group) {}

  private static final List<Row> ROWS = List.of(
      new Row("UTS namespace (its own hostname)", "ns.uts", ""),
      new Row("PID namespace", "ns.pid", ""),
      new Row("the command's PID", "pid", ""),
      new Row("processes it sees", "processes", ""),
      new Row("mount namespace", "ns.mnt", ""),
      new Row("IPC namespace", "ns.ipc", ""),
      new Row("network namespace", "ns.net", ""),
      new Row("network devices", "net", ""),
      new Row("cgroup namespace", "ns.cgroup", ""),
      new Row("its cgroup, seen in /proc/self/cgroup", "cgroup.path", CGROUP_ROWS),
      new Row("user namespace", "ns.user", ""),
      new Row("uid_map (0 0 4294967295: root is the host's root)", "uid_map", ""),
      new Row("time namespace", "ns.time", ""),
      new Row("capabilities (CapEff)", "CapEff", ""),
      new Row("no_new_privs", "NoNewPrivs", ""),
      new Row("seccomp (0: no filter, 2: a filter)", "Seccomp", ""),
      new Row("open files (ulimit -n)", "nofile", ""),
      new Row("root filesystem writable", "write./", ""),
      new Row("/proc/sys mounted", "mount./proc/sys", ""),
      new Row("/proc/sys writable", "write./proc/sys", ""),
      new Row("/sys mounted", "mount./sys", ""),
      new Row("bytes read from /proc/kcore", "read./proc/kcore", ""),
      new Row("bytes read from /proc/keys", "read./proc/keys", ""),
      new Row("bytes read from /proc/timer_list", "read./proc/timer_list", ""),
      new Row("bytes read from /proc/sched_debug", "read./proc/sched_debug", ""),
      new Row("entries in /sys/firmware", "list./sys/firmware", ""),
      new Row("/dev", "dev", ""),
      new Row("/dev/shm size", "shm.size", ""),
      new Row("/dev/mqueue mounted", "mount./dev/mqueue", ""),
      new Row("/dev/pts mounted", "mount./dev/pts", ""),
      new Row("mount a tmpfs", "mount", ""),
      new Row("mknod a block device", "mknod", ""),
      new Row("make a cgroup in /sys/fs/cgroup", "cgroup.mkdir", CGROUP_ROWS),
      new Row("pids.max it can read", "cgroup.pids.max", CGROUP_ROWS));

  private static final String[] CAPABILITIES = {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH",
      "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
      "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
      "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
      "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
      "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
      "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"};

  @Test
  @DisplayName("the guide's table is what runc and lab 06 give for the same probes")
  void sideBySide(@TempDir Path bundle) throws Exception {
    String probes = probes();
    Map<String, String> runc = parse(runc(bundle, probes));
    Map<String, String> lab = parse(LabRunner.of(Lab06.class).run("--", "sh", "-c", probes)
        .out());
    String cgroups = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "v2" : "v1";
    String table = table(runc, lab, cgroups);
    if (System.getenv("RECORD_TABLES") != null) {
      Files.createDirectories(TABLE.getParent());
      Files.writeString(TABLE, table);
      return;
    }
    String recorded = Files.readString(TABLE);
    String fix = "the guide's table no longer matches a run: if the change is meant, record it again"
        + " (docs/record-transcripts.sh runc-comparison) and update the guide's text about it";
    if (recorded.contains(":cgroup-version: " + cgroups + "\n")) {
      assertEquals(recorded, table, fix);
    } else { // recorded on the other cgroup version: its cgroup rows may differ, the rest may not
      assertEquals(withoutCgroupRows(recorded), withoutCgroupRows(table), fix);
    }
  }

  private static String probes() throws IOException {
    try (InputStream in = RuncComparisonTest.class.getResourceAsStream("isolation-probes.sh")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** runc's own defaults: {@code runc spec}, then only what makes it run our probes unattended. */
  private static String runc(Path bundle, String probes) throws Exception {
    assertTrue(Files.isDirectory(BUSYBOX), "no busybox image: ./lab images busybox makes it");
    // A copy: runc makes its mount points in the root, and the image's layers are read-only.
    run(List.of("cp", "-a", BUSYBOX.toString(), bundle.resolve("rootfs").toString()));
    run(List.of("runc", "spec", "--bundle", bundle.toString()));
    Path config = bundle.resolve("config.json");
    String spec = Files.readString(config);
    String patched = spec.replace("\"terminal\": true", "\"terminal\": false")
        .replaceFirst("\"args\": \\[\\s*\"sh\"\\s*]",
            java.util.regex.Matcher.quoteReplacement("\"args\": [\"sh\", \"-c\", " + json(probes) + "]"));
    assertTrue(!patched.equals(spec) && patched.contains("\"-c\""), "runc spec's format changed:\n" + spec);
    Files.writeString(config, patched);
    String id = "container-labs-probe-" + ThreadLocalRandom.current().nextInt(1_000_000);
    return run(List.of("runc", "--root", bundle.resolve("state").toString(), "run", "--bundle",
        bundle.toString(), id));
  }

  private static String run(List<String> command) throws Exception {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new AssertionError(command.get(0) + " not found: apt install " + command.get(0)
          + " (scripts/provision.sh installs it)", e);
    }
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), command + " did not end");
    assertEquals(0, process.exitValue(), () -> command + " failed: " + err);
    return new String(out, StandardCharsets.UTF_8);
  }

  private static Map<String, String> parse(String output) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        values.put(line.substring(0, equals), line.substring(equals + 1).strip());
      }
    }
    for (Row row : ROWS) {
      assertTrue(values.containsKey(row.key()), () -> "the probe " + row.key() + " printed nothing:\n" + output);
    }
    return values;
  }

  private static String table(Map<String, String> runc, Map<String, String> lab, String cgroups)
      throws IOException {
    StringBuilder out = new StringBuilder()
        .append("// Written by RuncComparisonTest from a real run: do not edit by hand.\n")
        .append(":cgroup-version: ").append(cgroups).append('\n')
        .append("[cols=\"3,3,3,1\",options=\"header\"]\n|===\n")
        .append("| probe | runc (`runc spec` defaults) | lab 06 (no options) | same\n");
    for (Row row : ROWS) {
      String a = cell(row.key(), runc.get(row.key()));
      String b = cell(row.key(), lab.get(row.key()));
      out.append("| ").append(row.label()).append(" | ").append(a).append(" | ").append(b)
          .append(" | ").append(a.equals(b) ? "yes" : "*no*").append('\n');
    }
    return out.append("|===\n").toString();
  }

  /** A raw value as the guide shows it: namespaces as own or the host's, capabilities by name. */
  private static String cell(String key, String value) throws IOException {
    if (key.startsWith("ns.")) {
      String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + key.substring(3))).toString();
      return value.equals(host) ? "the host's" : "own";
    }
    if (key.equals("CapEff")) {
      long bits = Long.parseUnsignedLong(value, 16);
      List<String> names = new ArrayList<>();
      for (int cap = 0; cap < 64; cap++) {
        if ((bits & (1L << cap)) != 0) {
          names.add(cap < CAPABILITIES.length ? CAPABILITIES[cap] : Integer.toString(cap));
        }
      }
      return names.size() + ": " + String.join(" ", names);
    }
    return value.isEmpty() ? "(none)" : "`+" + value + "+`";
  }

  private static String withoutCgroupRows(String table) {
    List<String> cgroupRows = ROWS.stream().filter(r -> r.group().equals(CGROUP_ROWS))
        .map(r -> "| " + r.label() + " |").toList();
    return table.lines().filter(l -> cgroupRows.stream().noneMatch(l::startsWith))
        .filter(l -> !l.startsWith(":cgroup-version:")).reduce("", (a, b) -> a + b + "\n");
  }

  private static String json(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return out.append('"').toString();
  }
}
