#include "core/damage_tracker.h"

#include <algorithm>
#include <cmath>

namespace rnnscope {
namespace {

constexpr uint64_t kEmptyTile = 0x6a09e667f3bcc908ULL;

}  // namespace

void DamageTracker::BeginFrame(int width, int height) {
  width = std::max(width, 0);
  height = std::max(height, 0);
  if (width != width_ || height != height_) {
    width_ = width;
    height_ = height;
    tiles_x_ = (width + kTile - 1) / kTile;
    tiles_y_ = (height + kTile - 1) / kTile;
    previous_.assign(static_cast<std::size_t>(tiles_x_) * static_cast<std::size_t>(tiles_y_), 0);
    age_.assign(previous_.size(), 0);
    valid_ = false;
  }
  current_.assign(previous_.size(), kEmptyTile);
}

DamageTracker::TileSpan DamageTracker::AddTriangle(float x0, float y0, float x1, float y1, uint64_t content) {
  if (!(x1 >= x0 && y1 >= y0) || tiles_x_ == 0 || tiles_y_ == 0) return {};  // empty or NaN
  if (x1 < 0.0f || y1 < 0.0f || x0 > static_cast<float>(width_) || y0 > static_cast<float>(height_)) return {};
  // A pixel is covered when its centre is inside; the box's edge pixels round outwards.
  const int tx0 = std::clamp(static_cast<int>(std::floor(x0)) / kTile, 0, tiles_x_ - 1);
  const int ty0 = std::clamp(static_cast<int>(std::floor(y0)) / kTile, 0, tiles_y_ - 1);
  const int tx1 = std::clamp(static_cast<int>(std::ceil(x1)) / kTile, 0, tiles_x_ - 1);
  const int ty1 = std::clamp(static_cast<int>(std::ceil(y1)) / kTile, 0, tiles_y_ - 1);
  for (int ty = ty0; ty <= ty1; ++ty) {
    uint64_t* row = current_.data() + static_cast<std::size_t>(ty) * static_cast<std::size_t>(tiles_x_);
    for (int tx = tx0; tx <= tx1; ++tx) row[tx] = HashMix(row[tx], content);
  }
  return {static_cast<int16_t>(tx0), static_cast<int16_t>(ty0), static_cast<int16_t>(tx1), static_cast<int16_t>(ty1)};
}

std::vector<int> DamageTracker::TileOwners(const std::vector<DamageRect>& rects) const {
  std::vector<int> owners(static_cast<std::size_t>(tiles_x_) * static_cast<std::size_t>(tiles_y_), -1);
  for (std::size_t r = 0; r < rects.size(); ++r) {
    const DamageRect& rect = rects[r];
    for (int ty = rect.y0 / kTile; ty * kTile < rect.y1 && ty < tiles_y_; ++ty) {
      for (int tx = rect.x0 / kTile; tx * kTile < rect.x1 && tx < tiles_x_; ++tx) {
        owners[static_cast<std::size_t>(ty) * static_cast<std::size_t>(tiles_x_) + static_cast<std::size_t>(tx)] = static_cast<int>(r);
      }
    }
  }
  return owners;
}

std::vector<DamageRect> DamageTracker::EndFrame() {
  std::vector<DamageRect> rects;
  if (tiles_x_ == 0 || tiles_y_ == 0) return rects;
  if (!valid_) {
    rects.push_back({0, 0, width_, height_});
    return rects;
  }
  // Runs of changed tiles along each tile row, then runs with the same columns on consecutive
  // rows stacked into one rectangle (`open` holds the rectangles the previous row may extend).
  std::vector<DamageRect> open, next;
  for (int ty = 0; ty < tiles_y_; ++ty) {
    next.clear();
    const std::size_t base = static_cast<std::size_t>(ty) * static_cast<std::size_t>(tiles_x_);
    for (int tx = 0; tx < tiles_x_;) {
      if (current_[base + static_cast<std::size_t>(tx)] == previous_[base + static_cast<std::size_t>(tx)]) {
        ++tx;
        continue;
      }
      const int start = tx;
      while (tx < tiles_x_ && current_[base + static_cast<std::size_t>(tx)] != previous_[base + static_cast<std::size_t>(tx)]) ++tx;
      DamageRect run{start * kTile, ty * kTile, std::min(tx * kTile, width_), std::min((ty + 1) * kTile, height_)};
      const auto above = std::find_if(open.begin(), open.end(), [&](const DamageRect& r) {
        return r.x0 == run.x0 && r.x1 == run.x1 && r.y1 == run.y0;
      });
      if (above != open.end()) {
        run.y0 = above->y0;
        open.erase(above);
      }
      next.push_back(run);
    }
    // Rectangles not continued on this row are finished.
    rects.insert(rects.end(), open.begin(), open.end());
    open.swap(next);
  }
  rects.insert(rects.end(), open.begin(), open.end());
  return rects;
}

void DamageTracker::Commit(const std::vector<DamageRect>& drawn) {
  if (!valid_) {
    const bool all = std::any_of(drawn.begin(), drawn.end(), [&](const DamageRect& r) {
      return r.x0 <= 0 && r.y0 <= 0 && r.x1 >= width_ && r.y1 >= height_;
    });
    if (!all) return;
    previous_ = current_;
    std::fill(age_.begin(), age_.end(), 0);
    valid_ = true;
    return;
  }
  for (const DamageRect& rect : drawn) {
    for (int ty = rect.y0 / kTile; ty * kTile < rect.y1 && ty < tiles_y_; ++ty) {
      for (int tx = rect.x0 / kTile; tx * kTile < rect.x1 && tx < tiles_x_; ++tx) {
        const std::size_t i = static_cast<std::size_t>(ty) * static_cast<std::size_t>(tiles_x_) + static_cast<std::size_t>(tx);
        previous_[i] = current_[i];
        age_[i] = 0;
      }
    }
  }
  // What is still damaged waited one more frame.
  for (std::size_t i = 0; i < previous_.size(); ++i) {
    if (previous_[i] != current_[i] && age_[i] < UINT16_MAX) ++age_[i];
  }
}

int DamageTracker::Age(const DamageRect& rect) const {
  int age = 0;
  for (int ty = rect.y0 / kTile; ty * kTile < rect.y1 && ty < tiles_y_; ++ty) {
    for (int tx = rect.x0 / kTile; tx * kTile < rect.x1 && tx < tiles_x_; ++tx) {
      age = std::max(age, static_cast<int>(age_[static_cast<std::size_t>(ty) * static_cast<std::size_t>(tiles_x_) + static_cast<std::size_t>(tx)]));
    }
  }
  return age;
}

}  // namespace rnnscope
