// fmt's compiled part, compiled once here and linked into libvz. Debian ships libfmt as a shared object only, and
// the tools load no shared object they need not (CMakeLists.txt); fmt's header-only mode (FMT_HEADER_ONLY) would
// compile this part again in every translation unit that includes util/error.hpp, which made each of them about
// three times slower to build. So the other units see fmt's declarations only, and this one its implementation
// header (non-template functions) plus the instantiations of the templates the headers declare and leave to the
// library: the two dragonbox conversions and the locale helpers the extern templates of <fmt/format.h> name.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;

}  // namespace detail
FMT_END_NAMESPACE
