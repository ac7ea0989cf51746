// BoundedQueue: a fixed-capacity FIFO that drops instead of growing.
//
// Every queue in picket has a cap and counts what it refused, so memory stays
// flat under an event storm and the loss is visible in statistics. Not
// thread-safe: it is used on the event-loop thread only.
#ifndef PICKET_ENGINE_BOUNDED_QUEUE_H_
#define PICKET_ENGINE_BOUNDED_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace picket {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Appends `item`; returns false and counts a drop when full.
  bool Push(T item) {
    if (items_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    items_.push_back(std::move(item));
    ++pushed_;
    if (items_.size() > high_water_) high_water_ = items_.size();
    return true;
  }

  // Removes and returns the oldest item, or nullopt when empty.
  std::optional<T> Pop() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  size_t capacity() const { return capacity_; }
  uint64_t pushed() const { return pushed_; }
  uint64_t dropped() const { return dropped_; }
  size_t high_water() const { return high_water_; }

 private:
  size_t capacity_;
  std::deque<T> items_;
  uint64_t pushed_ = 0;
  uint64_t dropped_ = 0;
  size_t high_water_ = 0;
};

}  // namespace picket

#endif  // PICKET_ENGINE_BOUNDED_QUEUE_H_
