// HandleIntelProvider: serves the store of an IntelHandle's current file to
// the intel detector. The returned pointer shares ownership of the mapped
// file, so a file swapped out by a reload stays mapped until the last
// lookup using it is done.
#ifndef PICKET_INTEL_LINUX_INTEL_PROVIDER_H_
#define PICKET_INTEL_LINUX_INTEL_PROVIDER_H_

#include <memory>

#include "intel/linux/intel_file.h"
#include "intel/provider.h"

namespace picket {

class HandleIntelProvider final : public IntelProvider {
 public:
  // `handle` may be null (no intel configured) and must outlive this.
  explicit HandleIntelProvider(const IntelHandle* handle) : handle_(handle) {}

  std::shared_ptr<const IntelStore> Current() const override {
    if (handle_ == nullptr) return nullptr;
    std::shared_ptr<const IntelFile> file = handle_->Current();
    if (!file) return nullptr;
    return std::shared_ptr<const IntelStore>(file, &file->store());
  }

 private:
  const IntelHandle* handle_;
};

}  // namespace picket

#endif  // PICKET_INTEL_LINUX_INTEL_PROVIDER_H_
