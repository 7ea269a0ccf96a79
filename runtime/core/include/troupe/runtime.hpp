#pragma once
/// Everything a user of the actor runtime needs.

#include "troupe/runtime/actor.hpp"
#include "troupe/runtime/actor_ref.hpp"
#include "troupe/runtime/ask.hpp"
#include "troupe/runtime/manual_platform.hpp"
#include "troupe/runtime/message.hpp"
#include "troupe/runtime/result.hpp"
#include "troupe/runtime/supervision.hpp"
#include "troupe/runtime/system.hpp"
#include "troupe/runtime/thread_pool_platform.hpp"
#include "troupe/runtime/trace.hpp"
