#include "common/oci/transport.hpp"

namespace coco::oci {

Result<std::unique_ptr<ImageSource>> open_source(const ImageReference& ref, const TransportOptions& options) {
  switch (ref.transport) {
  case Transport::oci: return open_layout_source(ref.path, ref.name, ref.str());
  case Transport::oci_archive: return open_oci_archive_source(ref);
  case Transport::dir: return open_dir_source(ref.path);
  case Transport::docker_archive: return open_docker_archive_source(ref);
  case Transport::docker: return open_registry_source(*ref.docker, options.registry);
  }
  return make_error(Kind::internal, "unknown transport");
}

Result<std::unique_ptr<ImageDestination>> open_destination(const ImageReference& ref, const TransportOptions& options) {
  switch (ref.transport) {
  case Transport::oci: return open_layout_destination(ref.path, ref.name);
  case Transport::oci_archive: return open_oci_archive_destination(ref);
  case Transport::dir: return open_dir_destination(ref.path);
  case Transport::docker_archive:
    if (ref.source_index >= 0) {
      return make_error(Kind::usage, ref.str() + ": a source index (@N) cannot name a destination");
    }
    return open_docker_archive_destination(ref);
  case Transport::docker: return open_registry_destination(*ref.docker, options.registry);
  }
  return make_error(Kind::internal, "unknown transport");
}

} // namespace coco::oci
