#pragma once
// The receive side of an established connection (private to runtime/net): the socket reads
// straight into one buffer and frames are cut from it in place, so a frame's payload is never
// copied or allocated on its way to the runtime (which copies only what a message keeps).
// One reader per connection, used by the transport's I/O thread only.

#include <cstddef>
#include <span>
#include <vector>

#include "troupe/wire/frame.hpp"

namespace troupe::net::detail {

/// A frame inside a frame_reader's buffer. Valid until the reader's next space() call.
struct frame_view {
  wire::frame_type type = wire::frame_type::heartbeat;
  std::span<const std::byte> payload;
};

/// Cuts frames out of a byte stream in place. The header of a frame is checked
/// (wire::decode_frame_header, the frame decoder's rules) as soon as its 14 bytes are in, so
/// an oversized length is refused before any payload byte is kept. Memory: the bytes of at
/// most one incomplete frame plus one read's worth (`chunk_bytes`); it grows only with bytes
/// actually received, never with what a header announces. After an error it stays failed.
class frame_reader {
 public:
  /// What next() found.
  enum class status : unsigned char { frame, need_more, error };

  frame_reader(std::size_t chunk_bytes, wire::frame_decoder_options options);

  /// Where the next read from the socket may write: at least `chunk_bytes` bytes. Moves an
  /// incomplete frame to the front of the buffer when the room behind it runs short, so it
  /// invalidates the frame_views handed out before.
  [[nodiscard]] std::span<std::byte> space();
  /// `count` bytes were written at the start of the last space(). Precondition: at most its
  /// size.
  void commit(std::size_t count);
  /// The next complete frame, in stream order: `frame` (in `out`), `need_more` (the buffer
  /// ends inside a frame or holds nothing), or `error` (see error(); the stream has lost its
  /// frame boundaries and the connection must be closed).
  [[nodiscard]] status next(frame_view& out);

  [[nodiscard]] wire::frame_error error() const { return error_; }
  /// Bytes received and not yet handed out as frames.
  [[nodiscard]] std::size_t buffered_bytes() const { return end_ - begin_; }
  /// Bytes the buffer holds (for tests of the memory bound).
  [[nodiscard]] std::size_t capacity_bytes() const { return buffer_.size(); }

 private:
  const std::size_t chunk_bytes_;
  const wire::frame_decoder_options options_;
  wire::frame_error error_ = wire::frame_error::none;
  std::vector<std::byte> buffer_;
  std::size_t begin_ = 0;  // first byte not yet handed out
  std::size_t end_ = 0;    // one past the last byte received
  std::size_t committable_ = 0;  // size of the last space()
};

}  // namespace troupe::net::detail
