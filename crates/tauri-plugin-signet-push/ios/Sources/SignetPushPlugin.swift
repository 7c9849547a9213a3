// Signet's wake-ups on iOS.
//
// - `register` asks UIKit for an APNs device token; the token comes back to the app delegate,
//   which Tauri generates, so the delegate methods below are added to its class at load.
// - A remote notification that reaches the app (in front, or woken in the background by
//   `content-available: 1`) is handed to Rust as a `wakeUp` event with its two ids.
// - The notification centre's delegate is left to tauri-plugin-notification: local
//   notifications, their Approve/Deny category and taps stay there.

import ObjectiveC.runtime
import SwiftRs
import Tauri
import UIKit
import WebKit

class SignetPushPlugin: Plugin {
  /// The loaded plugin, for the app delegate's methods.
  static weak var shared: SignetPushPlugin?

  /// Wake-ups that arrived before Rust listened for them (a cold start by a push).
  private var waiting: [JSObject] = []
  /// Whether Rust listens for wake-ups yet.
  private var listening = false
  /// The last token, repeated to a listener that registers after it arrived.
  private var token: String?

  override func load(webview: WKWebView) {
    SignetPushPlugin.shared = self
    AppDelegateHooks.install()
  }

  /// Asks APNs for a device token (the answer arrives in the app delegate).
  @objc public func register(_ invoke: Invoke) {
    DispatchQueue.main.async {
      UIApplication.shared.registerForRemoteNotifications()
    }
    invoke.resolve()
  }

  /// Rust's listeners: after the base class records one, anything that arrived before it is
  /// delivered.
  @objc public override func registerListener(_ invoke: Invoke) throws {
    try super.registerListener(invoke)
    let event = try? invoke.parseArgs(ListenerArgs.self).event
    if event == "wakeUp" {
      listening = true
      let earlier = waiting
      waiting.removeAll()
      for data in earlier {
        trigger("wakeUp", data: data)
      }
    } else if event == "token", let token = token {
      trigger("token", data: ["token": token])
    }
  }

  func received(deviceToken: Data) {
    let hex = deviceToken.map { String(format: "%02x", $0) }.joined()
    token = hex
    trigger("token", data: ["token": hex])
  }

  func failedToRegister(error: Error) {
    Logger.error("[signet-push] APNs registration failed: \(error.localizedDescription)")
  }

  /// A remote notification: only Signet's two ids are passed on, as text.
  func received(remote userInfo: [AnyHashable: Any]) {
    guard let challengeId = userInfo["challengeId"] as? String,
      let userAuthenticatorId = userInfo["userAuthenticatorId"] as? String
    else {
      return
    }
    let data: JSObject = [
      "challengeId": challengeId,
      "userAuthenticatorId": userAuthenticatorId,
    ]
    if listening {
      trigger("wakeUp", data: data)
    } else {
      waiting.append(data)
    }
  }
}

struct ListenerArgs: Decodable {
  let event: String
}

/// The app delegate's remote-notification methods, added at run time.
enum AppDelegateHooks {
  private static var installed = false

  static func install() {
    guard !installed, let delegate = UIApplication.shared.delegate else { return }
    installed = true
    let cls: AnyClass = type(of: delegate)

    let registered: @convention(block) (AnyObject, UIApplication, Data) -> Void = {
      _, _, token in
      SignetPushPlugin.shared?.received(deviceToken: token)
    }
    hook(
      cls,
      #selector(UIApplicationDelegate.application(_:didRegisterForRemoteNotificationsWithDeviceToken:)),
      block: registered, types: "v@:@@")

    let failed: @convention(block) (AnyObject, UIApplication, NSError) -> Void = {
      _, _, error in
      SignetPushPlugin.shared?.failedToRegister(error: error)
    }
    hook(
      cls,
      #selector(UIApplicationDelegate.application(_:didFailToRegisterForRemoteNotificationsWithError:)),
      block: failed, types: "v@:@@")

    // Background wake-ups: the fetch completes once Rust has been told (the fetch of the
    // challenge itself runs in Rust; iOS gives the app about 30 s).
    let remote:
      @convention(block) (
        AnyObject, UIApplication, NSDictionary, @escaping (UIBackgroundFetchResult) -> Void
      ) -> Void = { _, _, userInfo, completion in
        SignetPushPlugin.shared?.received(remote: userInfo as? [AnyHashable: Any] ?? [:])
        DispatchQueue.main.asyncAfter(deadline: .now() + 20) { completion(.newData) }
      }
    hook(
      cls,
      #selector(
        UIApplicationDelegate.application(_:didReceiveRemoteNotification:fetchCompletionHandler:)),
      block: remote, types: "v@:@@@?")
  }

  /// Adds `block` as `selector` to `cls`. Tao's app delegate has none of these methods; if
  /// another part of the app added one first, it is left alone and the log says so.
  private static func hook(_ cls: AnyClass, _ selector: Selector, block: Any, types: String) {
    if !class_addMethod(cls, selector, imp_implementationWithBlock(block), types) {
      Logger.error(
        "[signet-push] the app delegate already implements \(selector); it must pass it on to SignetPushPlugin"
      )
    }
  }
}

@_cdecl("init_plugin_signet_push")
func initPlugin() -> Plugin {
  return SignetPushPlugin()
}
