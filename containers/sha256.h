// SHA-256 (FIPS 180-4), for the content digests that name image layers,
// as Docker's "sha256:<hex>" layer ids do. Not on any hot path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace isolab::containers {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  void update(const std::string& s) { update(s.data(), s.size()); }
  std::string hex();  // the digest of everything updated so far (ends the hash)

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

}  // namespace isolab::containers
