#include "common/oci/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "common/base/atomic_file.hpp"
#include "common/oci/blob_stream.hpp"

namespace coco::oci {
namespace fs = std::filesystem;

Result<ScratchDir> ScratchDir::create(std::string_view purpose) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/coco-" + std::string(purpose) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return make_error(Kind::io, "cannot create a temporary directory in " + std::string(base ? base : "/tmp"));
  }
  return ScratchDir(fs::path(buf.data()));
}

ScratchDir::~ScratchDir() {
  if (!m_path.empty()) {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
}

namespace {

struct ReadArchive {
  archive* a = archive_read_new();
  ~ReadArchive() { archive_read_free(a); }
};
struct WriteArchive {
  archive* a = archive_write_new();
  ~WriteArchive() { archive_write_free(a); }
};

bool safe_relative(const std::string& name) {
  if (name.empty() || name.front() == '/') {
    return false;
  }
  fs::path p(name);
  return std::none_of(p.begin(), p.end(), [](const fs::path& part) { return part == ".."; });
}

} // namespace

Status extract_tar(const fs::path& archive_path, const fs::path& into) {
  ReadArchive in;
  archive_read_support_format_tar(in.a);
  archive_read_support_format_gnutar(in.a);
  archive_read_support_filter_all(in.a);
  if (archive_read_open_filename(in.a, archive_path.c_str(), k_chunk_size) != ARCHIVE_OK) {
    std::error_code ec;
    if (!fs::exists(archive_path, ec)) {
      return make_error(Kind::not_found, archive_path.string() + ": no such file", "check the path");
    }
    return make_error(Kind::invalid, archive_path.string() + ": not a tar archive: " + archive_error_string(in.a));
  }
  std::vector<char> buf(k_chunk_size);
  while (true) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(in.a, &entry);
    if (r == ARCHIVE_EOF) {
      break;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return make_error(Kind::invalid, archive_path.string() + ": corrupt tar: " + archive_error_string(in.a));
    }
    std::string name = archive_entry_pathname(entry);
    while (name.starts_with("./")) {
      name = name.substr(2);
    }
    if (name.empty() || name == ".") {
      continue;
    }
    if (!safe_relative(name)) {
      return make_error(Kind::invalid, archive_path.string() + ": entry '" + name + "' escapes the archive");
    }
    fs::path out = into / name;
    auto type = archive_entry_filetype(entry);
    std::error_code ec;
    if (type == AE_IFDIR) {
      fs::create_directories(out, ec);
      continue;
    }
    if (type != AE_IFREG) {
      continue;
    }
    fs::create_directories(out.parent_path(), ec);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return make_error(Kind::io, out.string() + ": cannot create");
    }
    while (true) {
      la_ssize_t n = archive_read_data(in.a, buf.data(), buf.size());
      if (n < 0) {
        ::close(fd);
        return make_error(Kind::invalid, archive_path.string() + ": corrupt tar entry '" + name + "': " + archive_error_string(in.a));
      }
      if (n == 0) {
        break;
      }
      const char* p = buf.data();
      auto left = static_cast<std::size_t>(n);
      while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0) {
          ::close(fd);
          return make_error(Kind::io, out.string() + ": write failed");
        }
        p += w;
        left -= static_cast<std::size_t>(w);
      }
    }
    ::close(fd);
  }
  return ok();
}

Status write_tar(const fs::path& dir, const fs::path& target) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) {
    return make_error(Kind::io, dir.string() + ": cannot list: " + ec.message());
  }
  std::sort(entries.begin(), entries.end());
  COCO_TRY(auto file, AtomicFile::create(target, 0644));
  WriteArchive out;
  archive_write_set_format_pax_restricted(out.a);
  if (archive_write_open_fd(out.a, file.fd()) != ARCHIVE_OK) {
    return make_error(Kind::io, target.string() + ": cannot write tar: " + archive_error_string(out.a));
  }
  std::vector<std::uint8_t> buf(k_chunk_size);
  for (const auto& path : entries) {
    std::string rel = fs::relative(path, dir).generic_string();
    bool is_dir = fs::is_directory(path);
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), rel.c_str());
    archive_entry_set_filetype(entry.get(), is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), is_dir ? 0755 : 0644);
    archive_entry_set_mtime(entry.get(), 0, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_size(entry.get(), is_dir ? 0 : static_cast<la_int64_t>(fs::file_size(path)));
    if (archive_write_header(out.a, entry.get()) != ARCHIVE_OK) {
      return make_error(Kind::io, target.string() + ": cannot write tar entry " + rel + ": " + archive_error_string(out.a));
    }
    if (is_dir) {
      continue;
    }
    COCO_TRY(auto reader, FileReader::open(path));
    while (true) {
      COCO_TRY(std::size_t n, reader->read(buf));
      if (n == 0) {
        break;
      }
      if (archive_write_data(out.a, buf.data(), n) < 0) {
        return make_error(Kind::io, target.string() + ": write failed: " + archive_error_string(out.a));
      }
    }
  }
  if (archive_write_close(out.a) != ARCHIVE_OK) {
    return make_error(Kind::io, target.string() + ": cannot finish tar: " + archive_error_string(out.a));
  }
  return file.commit();
}

} // namespace coco::oci
