// The injectable randomness used for jitter: a source of uniform numbers in [0, 1).
#pragma once

#include <functional>

namespace keapsync {

// Returns a number in [0, 1). Values outside are clamped by the users.
using Random = std::function<double()>;

// A generator seeded from std::random_device (each call to make_random gets its own state).
Random make_random();

// Clamps a Random's value into [0, 1] (defends against a broken injected source).
double unit(const Random& random);

}  // namespace keapsync
