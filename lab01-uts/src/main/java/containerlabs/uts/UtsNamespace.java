package containerlabs.uts;

import static containerlabs.kernel.CloneFlags.CLONE_NEWUTS;

import containerlabs.engine.Container;
import containerlabs.engine.Feature;
import containerlabs.kernel.Kernel;
import picocli.CommandLine.Option;

/** Lab 01: a UTS namespace, so that the container has a hostname of its own. */
public class UtsNamespace implements Feature {
  @Option(names = "--hostname", paramLabel = "NAME",
      description = "The container's hostname (default: the container's id).")
  String hostname;

  @Override
  public int namespaces() {
    // BEGIN SOLUTION(ask for a new UTS namespace; §1.3)
    return CLONE_NEWUTS;
    // END SOLUTION
  }

  @Override
  public void prepare(Container container) {
    if (hostname == null) {
      hostname = container.id();
    }
    container.hostname(Hostname.check(hostname));
  }

  // tag::hostname[]
  @Override
  public void configureNamespaces(Container container) {
    // This thread has its own UTS namespace now: the name changes for this thread and the
    // processes it starts, and the host keeps its own.
    // BEGIN SOLUTION(set the container's hostname; §1.3)
    Kernel.sethostname(hostname);
    // END SOLUTION
  }
  // end::hostname[]
}
