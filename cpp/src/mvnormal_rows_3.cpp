// Row functions of the multivariate normal gufuncs for d = 3 (see mvnormal_rows.hpp).
#include "mvnormal_rows.hpp"

namespace beds {
namespace mvnormal_rows {
BEDS_MV_ROWS(template, 3)
}  // namespace mvnormal_rows
}  // namespace beds
