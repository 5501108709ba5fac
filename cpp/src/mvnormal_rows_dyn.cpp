// Row functions of the multivariate normal gufuncs for d = dyn (see mvnormal_rows.hpp).
#include "mvnormal_rows.hpp"

namespace beds {
namespace mvnormal_rows {
BEDS_MV_ROWS(template, mv::Dyn)
BEDS_MV_BOUNDED_ROWS(template)
}  // namespace mvnormal_rows
}  // namespace beds
