// Signet's wake-ups on Android: the FCM registration token and each data message's two ids,
// handed to Rust. Notifications are shown by tauri-plugin-notification from Rust; only when
// FCM wakes a process with no app running does SignetMessagingService show a generic one.

package dev.signet.push

import android.app.Activity
import android.webkit.WebView
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin
import com.google.firebase.messaging.FirebaseMessaging

@InvokeArg
class ListenerArgs {
    var event: String? = null
}

@TauriPlugin
class SignetPushPlugin(private val activity: Activity) : Plugin(activity) {
    companion object {
        /** The loaded plugin, for the messaging service. */
        @Volatile
        var loaded: SignetPushPlugin? = null

        /** The two ids of a wake-up, or null when the data is not Signet's. */
        fun wakeUpOf(data: Map<String, String>): JSObject? {
            val challengeId = data["challengeId"] ?: return null
            val userAuthenticatorId = data["userAuthenticatorId"] ?: return null
            val wakeUp = JSObject()
            wakeUp.put("challengeId", challengeId)
            wakeUp.put("userAuthenticatorId", userAuthenticatorId)
            return wakeUp
        }
    }

    private val waiting = mutableListOf<JSObject>()
    private var listening = false
    private var token: String? = null

    override fun load(webView: WebView) {
        loaded = this
    }

    /** Asks FCM for the registration token; it is also sent again whenever FCM replaces it. */
    @Command
    fun register(invoke: Invoke) {
        FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
            if (task.isSuccessful && task.result != null) {
                receivedToken(task.result)
                invoke.resolve()
            } else {
                invoke.reject(task.exception?.message ?: "FCM gave no registration token")
            }
        }
    }

    /** Rust's listeners: what arrived before one registered is delivered to it. */
    @Command
    override fun registerListener(invoke: Invoke) {
        super.registerListener(invoke)
        when (invoke.parseArgs(ListenerArgs::class.java).event) {
            "wakeUp" -> synchronized(waiting) {
                listening = true
                waiting.forEach { trigger("wakeUp", it) }
                waiting.clear()
            }
            "token" -> token?.let { trigger("token", JSObject().put("token", it)) }
        }
    }

    fun receivedToken(value: String) {
        token = value
        trigger("token", JSObject().put("token", value))
    }

    fun receivedWakeUp(wakeUp: JSObject) {
        synchronized(waiting) {
            if (listening) trigger("wakeUp", wakeUp) else waiting.add(wakeUp)
        }
    }
}
