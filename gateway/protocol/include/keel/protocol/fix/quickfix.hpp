// The one way keel includes QuickFIX 1.15.1 (from fix_codec.hpp and .cpp files only; never from a
// public sim or gateway header).
//
// QuickFIX's headers use dynamic exception specifications (`throw(FIX::FieldNotFound)`), which are
// ill-formed in C++17/20. This wrapper first includes every system header QuickFIX includes (so their
// include guards are set and no system header is read with the macro defined), then defines
// `throw(...)` away for the QuickFIX headers only, and undefines it again. A function-like macro only
// expands where `throw` is followed by `(`: a throw expression such as `throw FieldNotFound(f)` is
// left alone. Dynamic exception specifications are not part of a
// function's type or mangled name before C++17, so the declarations still match the library.
// The header is marked as a system header so QuickFIX's own warnings do not fail keel's -Werror build.
// Never define HAVE_STD_UNIQUE_PTR: the library was built with std::auto_ptr (DEPENDENCIES.md).
#pragma once
#pragma GCC system_header

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <queue>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// KEEL_QUICKFIX_SSL (defined by the translation units that need it — the gateway's initiator and
// its TLS test — before including this header): also QuickFIX's SSL initiator and acceptor, declared only under HAVE_SSL (Debian's libquickfix is
// built with it). Its system headers are included first, like the others.
#ifdef KEEL_QUICKFIX_SSL
#include <dirent.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#ifdef HAVE_STD_UNIQUE_PTR
#error "HAVE_STD_UNIQUE_PTR must not be defined: libquickfix 1.15.1 was built with std::auto_ptr"
#endif

// NOLINTBEGIN
#define throw(...)
#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionFactory.h>
#include <quickfix/SessionID.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#ifdef KEEL_QUICKFIX_SSL
#define HAVE_SSL 1
#include <quickfix/SSLSocketAcceptor.h>
#include <quickfix/SSLSocketInitiator.h>
#undef HAVE_SSL
#endif
#undef throw
// NOLINTEND
