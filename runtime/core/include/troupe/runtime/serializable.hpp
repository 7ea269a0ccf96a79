#pragma once
/// Which message types can cross nodes: those the wire codec can encode
/// (docs/wire-protocol.md, "Values"). Other types are local-only messages.

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "troupe/wire/codec.hpp"

namespace troupe {
namespace detail {

template <class T>
struct serializable_trait;

template <class T>
constexpr bool is_serializable() {
  return serializable_trait<std::remove_cvref_t<T>>::value;
}

struct any_archive {
  template <class... Ts>
  void operator()(Ts&...) {}
};

template <class T>
struct serializable_trait
    : std::bool_constant<std::is_arithmetic_v<T> || std::is_enum_v<T> ||
                         std::is_same_v<T, std::string> ||
                         requires(T& value, any_archive& archive) { value.fields(archive); }> {};
template <class T, class A>
struct serializable_trait<std::vector<T, A>> : std::bool_constant<is_serializable<T>()> {};
template <class T>
struct serializable_trait<std::optional<T>> : std::bool_constant<is_serializable<T>()> {};
template <class A, class B>
struct serializable_trait<std::pair<A, B>>
    : std::bool_constant<is_serializable<A>() && is_serializable<B>()> {};
template <class... Ts>
struct serializable_trait<std::tuple<Ts...>> : std::bool_constant<(is_serializable<Ts>() && ...)> {};
template <class... Ts>
struct serializable_trait<std::variant<Ts...>>
    : std::bool_constant<(is_serializable<Ts>() && ...)> {};
template <class K, class V, class C, class A>
struct serializable_trait<std::map<K, V, C, A>>
    : std::bool_constant<is_serializable<K>() && is_serializable<V>()> {};
template <class T, std::size_t N>
struct serializable_trait<std::array<T, N>> : std::bool_constant<is_serializable<T>()> {};

}  // namespace detail

/// True when `T` has a wire encoding: arithmetic types, enums, std::string, the standard
/// containers of serializable types, and structs with a `fields(Archive&)` member.
template <class T>
concept serializable = detail::is_serializable<T>();

}  // namespace troupe
