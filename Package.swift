// swift-tools-version: 6.1
// The module list follows the data flow of docs/product.md:
// capture metadata -> georeference -> store -> ingest (pipeline) -> CLI.
// Segmentation, growth, sync and export slot in between as their own modules.
import PackageDescription

let package = Package(
  name: "crackmon",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "crackmon", targets: ["crackmon"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    // No default traits: they pull in swift-configuration, which crackmon does not use (build time).
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    // Office sign-in: bcrypt for passwords, cookie sessions.
    .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
  ],
  targets: [
    // C libraries, each wrapped by exactly one Swift file.
    .systemLibrary(name: "CExif", pkgConfig: "libexif", providers: [.apt(["libexif-dev"])]),
    .systemLibrary(name: "CHeif", pkgConfig: "libheif", providers: [.apt(["libheif-dev"])]),
    .systemLibrary(name: "CProj", pkgConfig: "proj", providers: [.apt(["libproj-dev", "proj-data"])]),
    .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
    .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    // OpenCV is C++: a small shim gives Swift a C API for features, homographies and warps.
    // Debian's OpenCV -dev packages ship no pkg-config file short of all of OpenCV, hence the path.
    .target(
      name: "COpenCV",
      cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
      linkerSettings: [
        .linkedLibrary("opencv_core"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_features2d"),
        .linkedLibrary("opencv_calib3d"),
      ]),

    // Image containers and codecs (JPEG, PNG, HEIF): bytes <-> pixels, and HEIF metadata blocks;
    // resizing (OpenCV).
    .target(name: "Imaging", dependencies: ["CHeif", "CTurboJPEG", "CPNG", "COpenCV"]),

    .target(
      name: "CaptureMetadata",
      dependencies: ["CExif", "Imaging", .product(name: "Crypto", package: "swift-crypto")]
    ),
    .target(name: "Georeference", dependencies: ["CProj", "CaptureMetadata"]),
    // ONNX file -> a checked graph of the few operators the runtime supports.
    .target(
      name: "ONNXModel", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
      exclude: ["Generated/README.md"]),
    // The inference engine behind one small protocol: oneDNN's C API today.
    .target(name: "Inference", dependencies: ["CDNNL", "ONNXModel"]),
    // Probability map -> cracks: components, skeleton, length, width profile, orientation.
    .target(name: "CrackGeometry"),
    // Photo -> crack probability map: tiling, the shipped model, blending; and its evaluation.
    .target(
      name: "Segmentation",
      dependencies: [
        "Imaging", "Inference", "ONNXModel", "CrackGeometry",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      resources: [
        .copy("Resources/crackunet.onnx"), .copy("Resources/scenenet.onnx"),
        .copy("Resources/crackverifier.json"),
      ]),
    // Two photos of one surface -> the homography between them, verified, from the concrete's texture.
    .target(name: "Registration", dependencies: ["COpenCV", "Imaging"]),
    .target(
      name: "Store",
      dependencies: [
        "CaptureMetadata", "CrackGeometry", "Georeference", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // Crack (pixels) + capture -> crack observation: mm, ground placement, severity.
    .target(
      name: "Observations", dependencies: ["CaptureMetadata", "CrackGeometry", "Georeference", "Store"]),
    .target(
      name: "Ingest",
      dependencies: [
        "CaptureMetadata", "Georeference", "Imaging", "Segmentation", "Observations", "Registration", "Store",
      ]),
    // Observations across cycles -> crack tracks, growth series and alerts.
    .target(
      name: "Growth",
      dependencies: [
        "CrackGeometry", "Georeference", "Observations", "Registration", "Store",
        .product(name: "HeapModule", package: "swift-collections"),
      ]),
    // Growth report as JSON, CSV and self-contained HTML.
    .target(
      name: "Reports",
      dependencies: [
        "Growth", "Observations", "Registration", "Store", "Imaging",
        .product(name: "Mustache", package: "swift-mustache"),
      ]),
    // Central store server (Hummingbird) and the device side of sync.
    .target(
      name: "SyncServer",
      dependencies: [
        "Store", "Growth", "Reports", "MapExport", "Imaging",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      // schema/openapi.yaml links here: one file, documented and served.
      resources: [.copy("Resources/openapi.yaml")]),
    // The office's web application: pages on the central server, through its callers and store.
    .target(
      name: "WebApp",
      dependencies: [
        "Store", "SyncServer", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]),
    // The central store on PostgreSQL + PostGIS, behind the same `CentralStore` protocol.
    .target(
      name: "CentralPostgres",
      dependencies: [
        "Store", .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
      ],
      // schema/postgres links here: the migration files are the ones the server applies.
      resources: [.copy("Migrations")]),
    .target(
      name: "SyncClient",
      dependencies: [
        "Store", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    // Asset map as GeoJSON (RFC 7946 / RFC 8142), streamed from the store.
    .target(name: "MapExport", dependencies: ["Store", "Outputs"]),
    // Files a command writes: whole or not at all, through links, never over a device node.
    .target(name: "Outputs"),
    .target(
      name: "CrackmonCLI",
      dependencies: [
        "CaptureMetadata", "Georeference", "Store", "Ingest", "Imaging", "CrackGeometry", "Segmentation",
        "Inference", "Observations", "Growth", "Reports", "MapExport", "Outputs", "SyncServer", "WebApp",
        "SyncClient",
        "CentralPostgres", "Registration", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(name: "crackmon", dependencies: ["CrackmonCLI"]),

    // Paths to fixtures, ../shared and the built binary, shared by the test targets.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
    .testTarget(name: "CaptureMetadataTests", dependencies: ["CaptureMetadata", "Imaging", "TestSupport"]),
    .testTarget(name: "CrackGeometryTests", dependencies: ["CrackGeometry"]),
    .testTarget(
      name: "RegistrationTests", dependencies: ["Registration", "Imaging", "TestSupport", "crackmon"]),
    .testTarget(name: "InferenceTests", dependencies: ["Inference", "ONNXModel", "TestSupport"]),
    .testTarget(
      name: "SegmentationTests",
      dependencies: ["Segmentation", "Inference", "ONNXModel", "Imaging", "CrackGeometry", "TestSupport"]),
    .testTarget(name: "GeoreferenceTests", dependencies: ["Georeference", "CaptureMetadata", "TestSupport"]),
    .testTarget(
      name: "StoreTests",
      dependencies: [
        "Store", "CaptureMetadata", "Georeference", "TestSupport",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]),
    .testTarget(
      name: "GrowthTests",
      dependencies: ["Growth", "Observations", "Imaging", "Reports", "TestSupport", "crackmon"]),
    .testTarget(
      name: "MapExportTests",
      dependencies: ["Store", "TestSupport", "crackmon", .product(name: "GRDB", package: "GRDB.swift")]),
    .testTarget(
      name: "SyncTests",
      dependencies: [
        "TestSupport", "Store", "SyncServer", "Imaging", "crackmon",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
        // chromedriver writes headers as "Name:value", which FoundationNetworking refuses.
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ]),
    .testTarget(
      name: "IngestTests",
      dependencies: ["Ingest", "Store", "CaptureMetadata", "Imaging", "TestSupport", "crackmon"]),
  ]
)
