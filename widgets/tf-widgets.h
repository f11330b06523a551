/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reusable widgets that draw what the model sees, one header each (this one
 * includes them all). Each is a GtkWidget subclass with an accessible role
 * and label; all take their data through setters (copies, or references on
 * TfFaceProbe) and never block. */
#pragma once

#include <gtk/gtk.h>

#include "tf-agreement-matrix.h"
#include "tf-attention-overlay.h"
#include "tf-chart.h"
#include "tf-class-name.h"
#include "tf-color-scale.h"
#include "tf-colormap.h"
#include "tf-compare-panel.h"
#include "tf-confusion.h"
#include "tf-face-inspector.h"
#include "tf-face-probe.h"
#include "tf-figure.h"
#include "tf-head-grid.h"
#include "tf-label-bar.h"
#include "tf-label-map.h"
#include "tf-plot.h"
#include "tf-prob-bars.h"
#include "tf-timeline.h"
