// Interruption: SIGINT/SIGTERM set a flag; long-running library code polls it between chunks and returns
// Kind::interrupted, so temporary files are cleaned up by their destructors rather than left behind.
//
// The signal handlers are installed by common/cli (tools only); library code only ever reads the flag.
#pragma once

namespace coco {

// True once SIGINT or SIGTERM has been received (async-signal-safe to set, cheap to poll).
bool interrupted();
// Called by the signal handler, and by tests.
void request_interrupt();
// For tests and for a tool that has handled the interruption.
void clear_interrupt();

} // namespace coco
