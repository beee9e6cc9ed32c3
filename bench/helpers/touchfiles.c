/* touchfiles: the cost of merely reading some files through mmap.
 *
 *   touchfiles [-z] FILE...
 *
 * Maps each regular file read-only and reads one byte of every 4 KiB page, the least a
 * program that mmaps its inputs (as stackfold and LLVM's object readers do) must fault in to
 * look at all of them. Prints "FILES BYTES". Missing or non-regular files are skipped.
 *
 * With -z, also inflates, on this one thread, the compressed debug sections of each 64-bit
 * little-endian ELF file that a symbolizer reads (the list of libsym's section_needed:
 * .debug_info, _abbrev, _line, _line_str, _str, _str_offsets, _addr, _ranges, _rnglists,
 * _aranges, _types; zlib or zstd, SHF_COMPRESSED or .zdebug_*): the least any tool must do to
 * see the DWARF of files shipped compressed (Debian's -dbg packages). zlib streams are
 * inflated raw, without their Adler-32, as libsym does, with libdeflate when built with
 * -DHAVE_LIBDEFLATE (as bench/run.sh does when it is installed; libsym uses it then too),
 * with zlib otherwise. Prints "FILES BYTES INFLATED".
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#include <zstd.h>

static int needed(const char* name) {
  static const char* const kNames[] = {"info", "abbrev", "line", "line_str", "str",
                                       "str_offsets", "addr", "ranges", "rnglists", "aranges",
                                       "types"};
  const char* rest = NULL;
  if (strncmp(name, ".debug_", 7) == 0) rest = name + 7;
  if (strncmp(name, ".zdebug_", 8) == 0) rest = name + 8;
  if (rest == NULL) return 0;
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {
    if (strcmp(rest, kNames[i]) == 0) return 1;
  }
  return 0;
}

static uint64_t rd64(const unsigned char* p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const unsigned char* p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const unsigned char* p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* Raw deflate after the 2-byte zlib header; returns the bytes produced. */
static uint64_t inflate_zlib(const unsigned char* in, uint64_t in_size, uint64_t out_size) {
  if (in_size < 2 || out_size == 0 || out_size > (1ULL << 34)) return 0;
  unsigned char* out = malloc(out_size);
  if (out == NULL) return 0;
#ifdef HAVE_LIBDEFLATE
  struct libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  size_t produced = 0;
  if (d != NULL &&
      libdeflate_deflate_decompress(d, in + 2, in_size - 2, out, out_size, NULL) == 0) {
    produced = out_size;
  }
  libdeflate_free_decompressor(d);
#else
  z_stream z;
  memset(&z, 0, sizeof z);
  uint64_t produced = 0;
  if (inflateInit2(&z, -MAX_WBITS) == Z_OK) {
    z.next_in = (unsigned char*)in + 2;
    z.avail_in = (uInt)(in_size - 2);
    z.next_out = out;
    z.avail_out = (uInt)out_size;
    inflate(&z, Z_FINISH);
    produced = z.total_out;
    inflateEnd(&z);
  }
#endif
  free(out);
  return produced;
}

static uint64_t inflate_zstd(const unsigned char* in, uint64_t in_size, uint64_t out_size) {
  if (out_size == 0 || out_size > (1ULL << 34)) return 0;
  unsigned char* out = malloc(out_size);
  if (out == NULL) return 0;
  size_t produced = ZSTD_decompress(out, out_size, in, in_size);
  free(out);
  return ZSTD_isError(produced) ? 0 : produced;
}

/* The needed compressed sections of an ELF64 LSB file, inflated; returns the bytes produced. */
static uint64_t inflate_debug(const unsigned char* p, uint64_t size) {
  if (size < 64 || memcmp(p, "\177ELF", 4) != 0 || p[4] != 2 || p[5] != 1) return 0;
  const uint64_t shoff = rd64(p + 40);
  const uint16_t shentsize = rd16(p + 58), shnum = rd16(p + 60), shstrndx = rd16(p + 62);
  if (shentsize < 64 || shstrndx >= shnum || shoff > size || (uint64_t)shnum * shentsize > size - shoff) {
    return 0;
  }
  const unsigned char* strtab_hdr = p + shoff + (uint64_t)shstrndx * shentsize;
  const uint64_t stroff = rd64(strtab_hdr + 24), strsize = rd64(strtab_hdr + 32);
  if (stroff > size || strsize > size - stroff) return 0;
  uint64_t total = 0;
  for (uint16_t i = 0; i < shnum; ++i) {
    const unsigned char* sh = p + shoff + (uint64_t)i * shentsize;
    const uint32_t name = rd32(sh);
    const uint64_t flags = rd64(sh + 8), off = rd64(sh + 24), len = rd64(sh + 32);
    if (name >= strsize || off > size || len > size - off) continue;
    const char* section = (const char*)p + stroff + name;
    if (memchr(section, 0, strsize - name) == NULL || !needed(section)) continue;
    const unsigned char* data = p + off;
    if (section[1] == 'z') {  // .zdebug_*: "ZLIB", size big-endian, zlib stream
      if (len < 12 || memcmp(data, "ZLIB", 4) != 0) continue;
      uint64_t out = 0;
      for (int b = 0; b < 8; ++b) out = out << 8 | data[4 + b];
      total += inflate_zlib(data + 12, len - 12, out);
    } else if (flags & 0x800) {  // SHF_COMPRESSED: Elf64_Chdr
      if (len < 24) continue;
      const uint32_t type = rd32(data);
      const uint64_t out = rd64(data + 8);
      if (type == 1) total += inflate_zlib(data + 24, len - 24, out);
      if (type == 2) total += inflate_zstd(data + 24, len - 24, out);
    }
  }
  return total;
}

int main(int argc, char** argv) {
  unsigned long long bytes = 0, inflated = 0;
  unsigned files = 0;
  int inflating = 0;
  volatile unsigned char sink = 0;
  int first = 1;
  if (argc > 1 && strcmp(argv[1], "-z") == 0) {
    inflating = 1;
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) continue;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) { close(fd); continue; }
    const unsigned char* p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) continue;
    for (off_t o = 0; o < st.st_size; o += 4096) sink ^= p[o];
    if (inflating) inflated += inflate_debug(p, (uint64_t)st.st_size);
    munmap((void*)p, (size_t)st.st_size);
    bytes += (unsigned long long)st.st_size;
    ++files;
  }
  if (inflating) {
    printf("%u %llu %llu\n", files, bytes, inflated);
  } else {
    printf("%u %llu\n", files, bytes);
  }
  return sink == 0xff ? 0 : 0;
}
