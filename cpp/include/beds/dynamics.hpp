// Event-driven integration of BEDS belief dynamics (docs: mathematics/dynamics, mathematics/energy): every kind.
//
// One header per belief kind, each mirrored by a module of the Python package beds.dynamics:
//   dynamics_common.hpp     dissipation model, status codes, event stream of the scalar kinds
//   dynamics_gaussian.hpp   scalar and mean-field Gaussian beliefs      (beds/dynamics/_gaussian.py)
//   dynamics_mvnormal.hpp   full-covariance Gaussian beliefs            (beds/dynamics/_mvnormal.py)
//   dynamics_von_mises.hpp  von Mises beliefs                           (beds/dynamics/_von_mises.py)
#pragma once

#include "beds/dynamics_common.hpp"
#include "beds/dynamics_gaussian.hpp"
#include "beds/dynamics_mvnormal.hpp"
#include "beds/dynamics_von_mises.hpp"
