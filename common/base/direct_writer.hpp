// Sequential bulk output to a file descriptor without the page-cache copy.
//
// Writing a large layer through the page cache costs several times the cipher on the virtual machines CI runs
// on (the kernel copies and then writes back every page, and fsync waits for it all at the end). DirectWriter
// stages the data in two aligned buffers and writes full buffers with O_DIRECT on a background thread, so the
// disk works while the caller produces the next buffer and nothing is left to write back at commit. Where the
// file system refuses O_DIRECT (tmpfs, some FUSE mounts) it falls back to ordinary writes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/base/result.hpp"

namespace coco {

class DirectWriter {
public:
  // `fd` stays owned by the caller and must outlive this writer; `name` is the file's name for messages.
  DirectWriter(int fd, std::string name);
  DirectWriter(const DirectWriter&) = delete;
  DirectWriter& operator=(const DirectWriter&) = delete;
  ~DirectWriter();  // stops the thread; unwritten data is dropped (the caller abandons the file)

  // Writable space at the end of the output, never empty; fill a prefix of it and call wrote().
  std::span<std::uint8_t> space();
  Status wrote(std::size_t n);
  Status write(std::span<const std::uint8_t> data);
  // Writes everything still staged (the unaligned tail with an ordinary write). The caller then fsyncs.
  Status finish();

  struct State;

private:
  std::unique_ptr<State> m_state;
};

} // namespace coco
