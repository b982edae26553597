// OpenCV behind crackmon's C API: SIFT, ratio-test matching, USAC homography, warping,
// resizing.
#include "opencv_shim.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <vector>

struct crackmon_features {
  std::vector<cv::Point2d> points;  // full-image pixels, corner convention
  cv::Mat descriptors;
  double scale = 1;
};

namespace {

void report(const std::exception &e, char *error, size_t error_size) {
  if (error == nullptr || error_size == 0) return;
  std::strncpy(error, e.what(), error_size - 1);
  error[error_size - 1] = '\0';
}

// OpenCV puts pixel centres at integers; crackmon's coordinates put them at +0.5.
cv::Matx33d centreToCorner() { return cv::Matx33d(1, 0, 0.5, 0, 1, 0.5, 0, 0, 1); }
cv::Matx33d cornerToCentre() { return cv::Matx33d(1, 0, -0.5, 0, 1, -0.5, 0, 0, 1); }

}  // namespace

extern "C" int crackmon_features_detect(
  const uint8_t *rgb, int width, int height, int max_side, int max_features, double contrast,
  crackmon_features **out, char *error, size_t error_size) {
  try {
    cv::Mat colour(height, width, CV_8UC3, const_cast<uint8_t *>(rgb));
    cv::Mat gray;
    cv::cvtColor(colour, gray, cv::COLOR_RGB2GRAY);
    double scale = 1;
    int longer = std::max(width, height);
    if (max_side > 0 && longer > max_side) {
      scale = double(longer) / max_side;
      // At least one pixel each way, however thin the photo.
      cv::Size size(
        std::max(1, int(std::lround(width / scale))), std::max(1, int(std::lround(height / scale))));
      cv::Mat reduced;
      cv::resize(gray, reduced, size, 0, 0, cv::INTER_AREA);
      // The rounded size sets the true factor per axis; the longer side's is used.
      scale = double(longer) / std::max(reduced.cols, reduced.rows);
      gray = reduced;
    }
    auto sift = cv::SIFT::create(max_features, 3, contrast);
    std::vector<cv::KeyPoint> keypoints;
    auto features = new crackmon_features();
    sift->detectAndCompute(gray, cv::noArray(), keypoints, features->descriptors);
    features->scale = scale;
    features->points.reserve(keypoints.size());
    for (const auto &k : keypoints) {
      features->points.emplace_back((k.pt.x + 0.5) * scale, (k.pt.y + 0.5) * scale);
    }
    *out = features;
    return 0;
  } catch (const std::exception &e) {
    report(e, error, error_size);
    return -1;
  }
}

extern "C" int crackmon_features_count(const crackmon_features *features) {
  return int(features->points.size());
}

extern "C" double crackmon_features_scale(const crackmon_features *features) { return features->scale; }

extern "C" void crackmon_features_free(crackmon_features *features) { delete features; }

extern "C" int crackmon_match_homography(
  const crackmon_features *reference, const crackmon_features *photo, double ratio,
  double threshold_px, int max_pairs, double *pairs, uint8_t *inlier,
  crackmon_match_result *result, char *error, size_t error_size) {
  try {
    *result = crackmon_match_result{};
    if (reference->points.size() < 2 || photo->points.size() < 2) return 0;
    cv::BFMatcher matcher(cv::NORM_L2);
    std::vector<std::vector<cv::DMatch>> knn;
    matcher.knnMatch(photo->descriptors, reference->descriptors, knn, 2);
    std::vector<const cv::DMatch *> best(reference->points.size(), nullptr);
    for (const auto &m : knn) {
      if (m.size() == 2 && m[0].distance < ratio * m[1].distance) {
        auto &slot = best[m[0].trainIdx];
        if (slot == nullptr || m[0].distance < slot->distance) slot = &m[0];
      }
    }
    std::vector<cv::Point2d> from, to;
    for (const auto *m : best) {
      if (m == nullptr) continue;
      from.push_back(photo->points[m->queryIdx]);
      to.push_back(reference->points[m->trainIdx]);
    }
    result->matches = int(from.size());
    std::vector<uint8_t> mask;
    if (from.size() >= 4) {
      cv::Mat h = cv::findHomography(from, to, cv::USAC_MAGSAC, threshold_px, mask, 10000, 0.9999);
      if (!h.empty()) {
        result->found = 1;
        for (int i = 0; i < 9; i++) result->homography[i] = h.at<double>(i / 3, i % 3);
        result->inliers = int(std::count(mask.begin(), mask.end(), uint8_t(1)));
      }
    }
    int n = std::min(int(from.size()), max_pairs);
    for (int i = 0; i < n; i++) {
      pairs[4 * i] = from[i].x;
      pairs[4 * i + 1] = from[i].y;
      pairs[4 * i + 2] = to[i].x;
      pairs[4 * i + 3] = to[i].y;
      inlier[i] = result->found && i < int(mask.size()) ? mask[i] : 0;
    }
    return 0;
  } catch (const std::exception &e) {
    report(e, error, error_size);
    return -1;
  }
}

extern "C" int crackmon_warp_perspective(
  const uint8_t *src, int width, int height, int channels, const double *h, uint8_t *dst,
  int dst_width, int dst_height, char *error, size_t error_size) {
  try {
    int type = channels == 3 ? CV_8UC3 : CV_8UC1;
    cv::Mat source(height, width, type, const_cast<uint8_t *>(src));
    cv::Mat destination(dst_height, dst_width, type, dst);
    cv::Matx33d corner(h);
    cv::Matx33d centre = cornerToCentre() * corner * centreToCorner();
    cv::warpPerspective(
      source, destination, cv::Mat(centre), destination.size(), cv::INTER_LINEAR,
      cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return 0;
  } catch (const std::exception &e) {
    report(e, error, error_size);
    return -1;
  }
}

extern "C" int crackmon_resize(
  const void *src, int width, int height, int channels, int float_pixels, void *dst, int dst_width,
  int dst_height, int method, char *error, size_t error_size) {
  try {
    int type = CV_MAKETYPE(float_pixels ? CV_32F : CV_8U, channels);
    cv::Mat source(height, width, type, const_cast<void *>(src));
    cv::Mat destination(dst_height, dst_width, type, dst);
    int interpolation = method == crackmon_resize_area      ? cv::INTER_AREA
                        : method == crackmon_resize_cubic   ? cv::INTER_CUBIC
                        : method == crackmon_resize_nearest ? cv::INTER_NEAREST
                                                            : cv::INTER_LINEAR;
    cv::resize(source, destination, destination.size(), 0, 0, interpolation);
    return 0;
  } catch (const std::exception &e) {
    report(e, error, error_size);
    return -1;
  }
}
