# Turn a binary file into a C++ source defining a byte array, so the bench
# guests are part of the executable (no path to find at run time).
#   cmake -DIN=guest.bin -DOUT=guest_bin.cpp -DNAME=guest_arith -P embed.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
  "// Generated from ${IN} by bench/embed.cmake: do not edit.\n"
  "#include <cstddef>\n"
  "#include <cstdint>\n"
  "namespace isolab::bench {\n"
  "extern const uint8_t ${NAME}[] = {${bytes}};\n"
  "extern const size_t ${NAME}_size = ${size};\n"
  "}  // namespace isolab::bench\n")
