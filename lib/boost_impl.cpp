// The one translation unit that compiles Asio, Asio SSL, Beast and Boost.JSON
// (separate compilation keeps every other file of the project cheap to build).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
