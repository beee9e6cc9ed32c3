// Unit tests for the name helpers behind the allocator-frame rule and folded-line safety.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <libsym/fold.h>

#include <string>

TEST_CASE("short names drop return type, parameters and qualifiers") {
  using sym::function_short_name;
  CHECK(function_short_name("leak_test") == "leak_test");
  CHECK(function_short_name("small(unsigned long)") == "small");
  CHECK(function_short_name("void* fallback_impl<false>(unsigned long)") == "fallback_impl<false>");
  CHECK(function_short_name("ns::Klass::method(int) const") == "ns::Klass::method");
  CHECK(function_short_name("ns::Klass::method(int) const &&") == "ns::Klass::method");
  CHECK(function_short_name("operator new(unsigned long)") == "operator new");
  CHECK(function_short_name("operator new[](unsigned long, std::nothrow_t const&)") ==
        "operator new[]");
  CHECK(function_short_name("operator new(unsigned long, std::align_val_t)") == "operator new");
  CHECK(function_short_name("main::{lambda()#1}::operator()() const") ==
        "main::{lambda()#1}::operator()");
  CHECK(function_short_name("Foo::operator()") == "Foo::operator()");
  CHECK(function_short_name("bool operator< <int>(A<int> const&, A<int> const&)") ==
        "operator< <int>");
  CHECK(function_short_name("std::vector<int, std::allocator<int> >::push_back(int&&)") ==
        "std::vector<int, std::allocator<int> >::push_back");
  CHECK(function_short_name("(anonymous namespace)::helper(int)") ==
        "(anonymous namespace)::helper");
  CHECK(function_short_name("foo[abi:cxx11](int)") == "foo");
  CHECK(function_short_name("foo(int) [clone .cold]") == "foo");
  CHECK(function_short_name("foo(int) (.cold)") == "foo");
  CHECK(function_short_name("Foo::operator bool() const") == "Foo::operator bool");
  CHECK(function_short_name("unsigned long count<char>(char const*)") == "count<char>");
  CHECK(function_short_name("operator&&") == "operator&&");
}

TEST_CASE("base names drop scope and template arguments") {
  using sym::function_base_name;
  CHECK(function_base_name("void* fallback_impl<false>(unsigned long)") == "fallback_impl");
  CHECK(function_base_name("a::b<int>::c<x>()") == "c");
  CHECK(function_base_name("operator new[](unsigned long)") == "operator new[]");
  CHECK(function_base_name("std::__new_allocator<int>::allocate(unsigned long, void const*)") ==
        "allocate");
  CHECK(function_base_name("bool operator< <int>(A<int> const&)") == "operator<");
  CHECK(function_base_name("je_prof_backtrace") == "je_prof_backtrace");
}

TEST_CASE("allocator functions, with and without private prefixes") {
  using sym::is_allocator_function;
  for (const char* name : {"malloc",
                           "calloc",
                           "realloc",
                           "posix_memalign",
                           "aligned_alloc",
                           "je_malloc_default",
                           "_rjem_je_prof_backtrace",
                           "_rjem_malloc",
                           "prof_backtrace_impl",
                           "je_prof_tctx_create",
                           "void* fallback_impl<false>(unsigned long)",
                           "void* newImpl<true>(unsigned long)",
                           "operator new(unsigned long)",
                           "operator new[](unsigned long)",
                           "operator new(unsigned long, std::nothrow_t const&)",
                           "operator new(unsigned long, std::align_val_t)",
                           "tc_malloc",
                           "tcmalloc::allocate_full(int)",
                           "TCMallocImplementation::GetHeapSample(MallocExtensionWriter*)",
                           "__libc_malloc",
                           "irallocx_prof_sample",
                           "imalloc_body",
                           "je_rallocx",
                           "batch_alloc",
                           "(anonymous namespace)::do_malloc(unsigned long)",
                           // Rust (legacy and v0 demangling, rustc 1.63 and 1.9x)
                           "__rust_alloc",
                           "__rustc::__rust_alloc",
                           "__rdl_realloc",
                           "__rg_alloc_zeroed",
                           "alloc::alloc::alloc",
                           "alloc::alloc::exchange_malloc",
                           "alloc::alloc::Global::alloc_impl",
                           "<alloc::alloc::Global>::alloc_impl_runtime",
                           "<alloc::alloc::Global as core::alloc::Allocator>::allocate",
                           "<alloc::alloc::Global as core::alloc::Allocator>::grow",
                           "<std::alloc::System as core::alloc::global::GlobalAlloc>::alloc",
                           "<tikv_jemallocator::Jemalloc as "
                           "core::alloc::global::GlobalAlloc>::alloc",
                           "<app::Counting as core::alloc::global::GlobalAlloc>::realloc",
                           "std::sys::unix::alloc::<impl core::alloc::global::GlobalAlloc for "
                           "std::alloc::System>::alloc",
                           "std::sys::pal::unix::alloc::aligned_malloc",
                           "core::alloc::global::GlobalAlloc::realloc"}) {
    INFO(name);
    CHECK(is_allocator_function(name));
  }
  for (const char* name : {"leak_test", "main", "mallocate",
                           "std::__new_allocator<int>::allocate(unsigned long, void const*)",
                           "my_malloc_wrapper(unsigned long)", "object_je_malloc", "free_list_push",
                           "operator delete_helper", "je_", "_rjem_", "tcmallocator",
                           "alloc::raw_vec::RawVec<T,A>::allocate_in",
                           "<alloc::raw_vec::RawVecInner>::finish_grow",
                           "hashbrown::raw::alloc::inner::do_alloc", "alloc::boxed::Box<T>::new",
                           "app::alloc::alloc", "my_alloc::alloc::alloc_page",
                           "<app::Arena as app::Allocate>::alloc",
                           // a program's own functions that share an allocator's name
                           "Arena::malloc(unsigned long)", "Pool<int>::free(void*)",
                           "app::realloc", "Arena::operator new(unsigned long)",
                           "ns::je_malloc_default"}) {
    INFO(name);
    CHECK_FALSE(is_allocator_function(name));
  }
  CHECK(sym::is_allocator_module("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
  CHECK(sym::is_allocator_module("/opt/lib/libtcmalloc_minimal.so.4"));
  CHECK_FALSE(sym::is_allocator_module("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  CHECK_FALSE(sym::is_allocator_module("/srv/jemalloc-user/app"));
}

TEST_CASE("clones are their function") {
  using sym::without_clone_suffixes;
  CHECK(without_clone_suffixes("foo(int) [clone .isra.0]") == "foo(int)");
  CHECK(without_clone_suffixes("(anonymous namespace)::Hidden::make(int) [clone .constprop.0] "
                               "[clone .isra.0]") == "(anonymous namespace)::Hidden::make(int)");
  CHECK(without_clone_suffixes("throw_and_catch(int) [clone .cold]") == "throw_and_catch(int)");
  CHECK(without_clone_suffixes("f() (.cold)") == "f()");
  CHECK(without_clone_suffixes("main.cold") == "main");
  CHECK(without_clone_suffixes("foo.constprop.0.isra.0") == "foo");
  CHECK(without_clone_suffixes("foo.part.12") == "foo");
  CHECK(without_clone_suffixes("foo.cold.3") == "foo");
  CHECK(without_clone_suffixes("bar.lto_priv.0") == "bar");
  // Not clones: a static initializer named after its file, a version, a member named cold.
  CHECK(without_clone_suffixes("_GLOBAL__sub_I_main.cpp") == "_GLOBAL__sub_I_main.cpp");
  CHECK(without_clone_suffixes("foo.part") == "foo.part");
  CHECK(without_clone_suffixes("foo.isra.x") == "foo.isra.x");
  CHECK(without_clone_suffixes("Engine::cold(int)") == "Engine::cold(int)");
  CHECK(without_clone_suffixes(".cold") == ".cold");
  CHECK(without_clone_suffixes("f(int) [abi:cxx11]") == "f(int) [abi:cxx11]");
}

TEST_CASE("frame names are safe in folded lines") {
  using sym::sanitize_frame_name;
  CHECK(sanitize_frame_name("a;b") == "a:b");
  CHECK(sanitize_frame_name("a\nb\tc") == "a b c");
  CHECK(sanitize_frame_name("") == "[unknown]");
  CHECK(sanitize_frame_name("foo 123") == "foo_123");
  CHECK(sanitize_frame_name("foo(int, 3)") == "foo(int, 3)");
  CHECK(sanitize_frame_name("123") == "123");
  CHECK(sanitize_frame_name("x 1 2") == "x 1_2");
}

TEST_CASE("gzip input is decompressed, bounded and checked") {
  // "hello\n" gzip-compressed by gzip -n.
  const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00,
                              0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
  std::string data(reinterpret_cast<const char*>(gz), sizeof gz);
  auto text = sym::gunzip(data, 100);
  REQUIRE(static_cast<bool>(text));
  CHECK(*text == "hello\n");
  auto twice = sym::gunzip(data + data, 100);
  REQUIRE(static_cast<bool>(twice));
  CHECK(*twice == "hello\nhello\n");
  auto small = sym::gunzip(data, 3);
  CHECK_FALSE(static_cast<bool>(small));
  llvm::consumeError(small.takeError());
  auto cut = sym::gunzip(data.substr(0, 15), 100);
  CHECK_FALSE(static_cast<bool>(cut));
  llvm::consumeError(cut.takeError());
}
