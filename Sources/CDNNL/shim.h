#include <oneapi/dnnl/dnnl.h>

// Argument indices are macros of macros, which Swift does not import.
static const int crackmon_dnnl_arg_src = DNNL_ARG_SRC;
static const int crackmon_dnnl_arg_dst = DNNL_ARG_DST;
static const int crackmon_dnnl_arg_weights = DNNL_ARG_WEIGHTS;
static const int crackmon_dnnl_arg_bias = DNNL_ARG_BIAS;
static const int crackmon_dnnl_arg_multiple_src = DNNL_ARG_MULTIPLE_SRC;
static const int crackmon_dnnl_arg_from = DNNL_ARG_FROM;
static const int crackmon_dnnl_arg_to = DNNL_ARG_TO;
