/** The sandbox cannot run at all on this machine (no bwrap, no user namespaces, no compiler). */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

/** A sandbox started but its supervisor failed: an infrastructure fault, not the student's. */
export class SandboxFailureError extends Error {
  override name = 'SandboxFailureError';
}
