// Row functions of the multivariate normal gufuncs for d = 2 (see mvnormal_rows.hpp).
#include "mvnormal_rows.hpp"

namespace beds {
namespace mvnormal_rows {
BEDS_MV_ROWS(template, 2)
}  // namespace mvnormal_rows
}  // namespace beds
