// The transport and platform flags shared by the coco-encrypt commands that copy an image.
#pragma once

#include "common/cli/options.hpp"
#include "common/ocicrypt/image.hpp"
#include "tools/coco/image_options.hpp"

namespace coco_encrypt {

struct ScopeFlags {
  coco::cli::RegistryOptions src_registry{"src"};
  coco::cli::RegistryOptions dest_registry{"dest"};
  coco::cli::PlatformOptions platform;

  void add_to(coco::cli::Command& cmd) {
    src_registry.add_to(cmd);
    dest_registry.add_to(cmd);
    platform.add_to(cmd);
  }

  [[nodiscard]] coco::Result<coco::ocicrypt::ImageScope> resolve() const {
    coco::ocicrypt::ImageScope scope;
    COCO_TRY(scope.src_options.registry, coco_tool::registry_options(src_registry));
    COCO_TRY(scope.dst_options.registry, coco_tool::registry_options(dest_registry));
    COCO_TRY(coco::cli::PlatformSelection selection, platform.resolve());
    scope.all = selection.all;
    if (selection.platform) {
      scope.platform = coco::oci::Platform{selection.platform->os, selection.platform->architecture,
                                           selection.platform->variant, "", {}};
    }
    return scope;
  }
};

} // namespace coco_encrypt
