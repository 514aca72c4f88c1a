# Our own targets, built the same way everywhere: includes written from the
# repository root, strict warnings on our code only (generated code comes in
# as SYSTEM includes). Link them with target_link_libraries as usual.

# wallet_library(<name> [STATIC|SHARED] <sources>...) adds a library whose
# users include its headers from the repository root, its sources compiled
# with WALLET_WARNINGS.
function(wallet_library name)
  add_library(${name} ${ARGN})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${WALLET_WARNINGS})
endfunction()

# wallet_executable(<name> <sources>...) adds a program (a daemon, a tool, a
# test or a benchmark) compiled with WALLET_WARNINGS.
function(wallet_executable name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${WALLET_WARNINGS})
endfunction()
