// Boost.JSON compiled once for the fuzz targets (lib/boost_impl.cpp also builds Asio and Beast,
// which the targets do not need and which cost most of a clang build).
#include <boost/json/src.hpp>
