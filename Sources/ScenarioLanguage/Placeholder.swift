// placeholder

import Specification
