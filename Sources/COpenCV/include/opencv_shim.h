// The few OpenCV calls crackmon makes (features2d, calib3d, imgproc), behind a C API
// that Swift imports. OpenCV's C++ exceptions stop here: every call returns 0 on
// success, or -1 with OpenCV's message in `error`.
#ifndef CRACKMON_OPENCV_SHIM_H
#define CRACKMON_OPENCV_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// SIFT keypoints and descriptors of one photo. Opaque; free with crackmon_features_free.
typedef struct crackmon_features crackmon_features;

/// Detects SIFT features on an 8-bit RGB image (row-major, interleaved), first reduced
/// by area averaging so that its longer side is at most `max_side` pixels (0: as is).
/// Keypoint positions come back in the full image's pixels, with (0, 0) the top-left
/// corner of the top-left pixel. `contrast` is SIFT's contrast threshold (OpenCV's
/// default is 0.04; bare concrete needs lower).
int crackmon_features_detect(
  const uint8_t *rgb, int width, int height, int max_side, int max_features, double contrast,
  crackmon_features **out, char *error, size_t error_size);

int crackmon_features_count(const crackmon_features *features);

/// The scale factor from the reduced image to the full one (1 when not reduced).
double crackmon_features_scale(const crackmon_features *features);

void crackmon_features_free(crackmon_features *features);

/// What crackmon_match_homography found.
typedef struct {
  /// Matches that passed Lowe's ratio test.
  int matches;
  /// 1 when the robust estimator returned a homography.
  int found;
  int inliers;
  /// Maps the photo's coordinates to the reference's, row-major.
  double homography[9];
} crackmon_match_result;

/// Matches the photo's descriptors to the reference's (brute force, L2, ratio test, and
/// each reference feature kept for its best match only, so that no "hub" feature matched
/// by many can pull the fit into a collapse) and
/// fits a homography photo -> reference with USAC MAGSAC++ (`threshold_px` in full
/// image pixels). Up to `max_pairs` matched pairs are written to `pairs` as
/// (photo x, photo y, reference x, reference y) and their inlier flags to `inlier`.
int crackmon_match_homography(
  const crackmon_features *reference, const crackmon_features *photo, double ratio,
  double threshold_px, int max_pairs, double *pairs, uint8_t *inlier,
  crackmon_match_result *result, char *error, size_t error_size);

/// Warps an 8-bit image (1 or 3 channels, row-major) by the homography `h` (row-major,
/// source -> destination, corner-of-pixel coordinates) into `dst` of the given size,
/// bilinear, with black where the source does not reach.
int crackmon_warp_perspective(
  const uint8_t *src, int width, int height, int channels, const double *h, uint8_t *dst,
  int dst_width, int dst_height, char *error, size_t error_size);

/// How crackmon_resize fills the new pixels: area averaging (shrinking), bilinear, bicubic,
/// nearest neighbour.
enum {
  crackmon_resize_area = 0,
  crackmon_resize_linear = 1,
  crackmon_resize_cubic = 2,
  crackmon_resize_nearest = 3
};

/// Resizes an image of 8-bit (`float_pixels` 0) or 32-bit float (1) samples, `channels`
/// (1 or 3) interleaved per pixel, row-major, into `dst` of the given size. Pixel
/// centres map to pixel centres, as OpenCV's resize does.
int crackmon_resize(
  const void *src, int width, int height, int channels, int float_pixels, void *dst, int dst_width,
  int dst_height, int method, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
