// swift-tools-version:5.3
// Signet's wake-up plugin, the iOS half (built by Xcode through the app's iOS project).

import PackageDescription

let package = Package(
  name: "tauri-plugin-signet-push",
  platforms: [
    .iOS(.v13)
  ],
  products: [
    .library(
      name: "tauri-plugin-signet-push",
      type: .static,
      targets: ["tauri-plugin-signet-push"])
  ],
  dependencies: [
    .package(name: "Tauri", path: "../.tauri/tauri-api")
  ],
  targets: [
    .target(
      name: "tauri-plugin-signet-push",
      dependencies: [
        .byName(name: "Tauri")
      ],
      path: "Sources")
  ]
)
