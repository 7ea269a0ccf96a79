#include "frame_reader.hpp"

#include <algorithm>
#include <cstring>

#include "troupe/runtime/assert.hpp"

namespace troupe::net::detail {

frame_reader::frame_reader(std::size_t chunk_bytes, wire::frame_decoder_options options)
    : chunk_bytes_(chunk_bytes), options_(options) {
  TROUPE_ASSERT(chunk_bytes_ >= wire::frame_header_bytes);
}

std::span<std::byte> frame_reader::space() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    // A large frame is gone: give its memory back rather than keep it for the connection's life.
    if (buffer_.size() > 4 * chunk_bytes_) std::vector<std::byte>().swap(buffer_);
  }
  if (buffer_.size() - end_ < chunk_bytes_) {
    if (begin_ > 0) {
      // Only an incomplete frame is left (next() hands out every complete one): move it to
      // the front, so that the buffer stays two reads long while frames are small.
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    const std::size_t needed = std::max(end_ + chunk_bytes_, 2 * chunk_bytes_);
    if (buffer_.size() < needed) {
      // Grows with the bytes received only. The incomplete frame passed the header check, so
      // it is below max_frame_bytes: the buffer stays below max_frame_bytes + 2 chunks.
      if (buffer_.capacity() < needed) {
        const std::size_t bound = options_.max_frame_bytes + 2 * chunk_bytes_;
        buffer_.reserve(std::max(needed, std::min(2 * buffer_.capacity(), bound)));
      }
      buffer_.resize(needed);
    }
  }
  committable_ = buffer_.size() - end_;
  return {buffer_.data() + end_, committable_};
}

void frame_reader::commit(std::size_t count) {
  TROUPE_ASSERT(count <= committable_);
  end_ += count;
  committable_ = 0;
}

frame_reader::status frame_reader::next(frame_view& out) {
  if (error_ != wire::frame_error::none) return status::error;
  const std::size_t held = end_ - begin_;
  if (held < wire::frame_header_bytes) return status::need_more;
  const std::span<const std::byte> bytes(buffer_.data() + begin_, held);
  wire::frame_header header;
  error_ = wire::decode_frame_header(bytes, options_, header);
  if (error_ != wire::frame_error::none) return status::error;
  const std::size_t frame_bytes = wire::frame_header_bytes + header.payload_length;
  if (held < frame_bytes) return status::need_more;
  out.type = header.type;
  out.payload = bytes.subspan(wire::frame_header_bytes, header.payload_length);
  begin_ += frame_bytes;
  return status::frame;
}

}  // namespace troupe::net::detail
