/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tf-error.h"

G_DEFINE_QUARK (tf-error-quark, tf_error)
