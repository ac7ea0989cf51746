// IntelProvider: where a consumer of intel (the intel detector) gets the
// store in service, so that the agent can swap a replaced file in between
// two lookups. Portable; the agent's implementation serves an IntelHandle
// (intel/linux/intel_provider.h), tests serve a fixed store.
#ifndef PICKET_INTEL_PROVIDER_H_
#define PICKET_INTEL_PROVIDER_H_

#include <memory>

#include "intel/store.h"

namespace picket {

// Thread-compatible: called on the pipeline thread.
class IntelProvider {
 public:
  virtual ~IntelProvider() = default;
  // The current store, or nullptr when none is loaded. The pointer keeps
  // the store's bytes alive while held.
  virtual std::shared_ptr<const IntelStore> Current() const = 0;
};

}  // namespace picket

#endif  // PICKET_INTEL_PROVIDER_H_
