// Everything keel::protocol knows about Binance market data, for programs and tests that use most of
// it. Library code includes the one header it needs.
#pragma once

#include "keel/protocol/binance/control.hpp"
#include "keel/protocol/binance/decode.hpp"
#include "keel/protocol/binance/depth_ids.hpp"
#include "keel/protocol/binance/encode.hpp"
#include "keel/protocol/binance/messages.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "keel/protocol/binance/symbol_format.hpp"
