// The one way keel includes QuickFIX 1.15.1 (sim-private; never from a public keel header).
//
// QuickFIX's headers use dynamic exception specifications (`throw(FIX::FieldNotFound)`), which are
// ill-formed in C++17/20. This wrapper includes every standard header QuickFIX needs first (so their
// include guards are set), then defines `throw(...)` away for the QuickFIX headers only, and undefines
// it again. A function-like macro only expands where `throw` is followed by `(`: a throw expression
// such as `throw FieldNotFound(f)` is left alone. Dynamic exception specifications are not part of a
// function's type or mangled name before C++17, so the declarations still match the library.
// The header is marked as a system header so QuickFIX's own warnings do not fail keel's -Werror build.
// Never define HAVE_STD_UNIQUE_PTR: the library was built with std::auto_ptr (DEPENDENCIES.md).
#pragma once
#pragma GCC system_header

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <deque>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

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
#include <quickfix/SessionID.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#undef throw
// NOLINTEND
