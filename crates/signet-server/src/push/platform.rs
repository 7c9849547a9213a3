//! The channel for each device platform: APNs for iOS, FCM for Android, either sent with this
//! server's own credentials or forwarded to a push gateway (`--push-gateway`); and, for
//! `signet-server --gateway`, the gateway's own configuration from the same flags.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use signet_protocol::clock::Clock;

use crate::Error;
use crate::connections::ConnectionLimits;
use crate::push::apns::{Apns, ApnsArgs};
use crate::push::fcm::{Fcm, FcmArgs};
use crate::push::gateway::{GatewayArgs, GatewayClient, GatewayConfig};
use crate::push::provider::ExtraRoots;
use crate::push::wake::Channel;

/// The flags of the APNs and FCM channels and of the push gateway (both halves).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlatformArgs {
    /// APNs.
    #[command(flatten)]
    pub apns: ApnsArgs,
    /// FCM.
    #[command(flatten)]
    pub fcm: FcmArgs,
    /// The push gateway.
    #[command(flatten)]
    pub gateway: GatewayArgs,
    /// A PEM file of CA certificates the APNs, FCM and gateway clients trust besides the
    /// system's (a relay with a private CA).
    #[arg(long, env = "SIGNET_PUSH_CA_FILE")]
    pub push_ca_file: Option<PathBuf>,
}

/// The channels for iOS and Android devices; `None` where nothing is configured.
#[derive(Clone, Default)]
pub struct PlatformChannels {
    /// For `ios` device tokens: APNs, or the gateway's.
    pub apns: Option<Arc<dyn Channel>>,
    /// For `android` registration tokens: FCM, or the gateway's.
    pub fcm: Option<Arc<dyn Channel>>,
}

impl fmt::Debug for PlatformChannels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformChannels")
            .field("apns", &self.apns.is_some())
            .field("fcm", &self.fcm.is_some())
            .finish()
    }
}

impl PlatformArgs {
    /// The extra CA certificates of `--push-ca-file`.
    pub fn extra_roots(&self) -> Result<ExtraRoots, Error> {
        self.push_ca_file
            .as_deref()
            .map_or_else(|| Ok(ExtraRoots::default()), ExtraRoots::from_pem_file)
    }

    /// A server's channels: the gateway's with `--push-gateway`, else APNs and FCM with this
    /// server's credentials (each only if configured). Giving both a gateway and credentials
    /// is refused: which one sends would be a guess.
    pub fn channels(&self, clock: &Arc<dyn Clock>) -> Result<PlatformChannels, Error> {
        let roots = self.extra_roots()?;
        if let Some(config) = self.gateway.client_config(&roots, Arc::clone(clock))? {
            if self.apns.apns_key_file.is_some() || self.fcm.fcm_service_account.is_some() {
                return Err(Error::push_config(
                    "push-gateway",
                    "the gateway sends APNs and FCM wake-ups: give it, or APNs/FCM \
                     credentials, not both",
                ));
            }
            let client = GatewayClient::new(config)?;
            return Ok(PlatformChannels {
                apns: Some(Arc::new(client.apns())),
                fcm: Some(Arc::new(client.fcm())),
            });
        }
        self.direct_channels(&roots, clock)
    }

    /// APNs and FCM with this process's credentials.
    fn direct_channels(
        &self,
        roots: &ExtraRoots,
        clock: &Arc<dyn Clock>,
    ) -> Result<PlatformChannels, Error> {
        let apns = match self.apns.config(roots, Arc::clone(clock))? {
            Some(config) => Some(Arc::new(Apns::new(config)?) as Arc<dyn Channel>),
            None => None,
        };
        let fcm = match self.fcm.config(roots, Arc::clone(clock))? {
            Some(config) => Some(Arc::new(Fcm::new(config)?) as Arc<dyn Channel>),
            None => None,
        };
        Ok(PlatformChannels { apns, fcm })
    }

    /// A gateway's configuration (`--gateway`): its trusted servers, and APNs and FCM with
    /// its own credentials (at least one of them).
    pub fn gateway_config(&self, clock: &Arc<dyn Clock>) -> Result<GatewayConfig, Error> {
        let roots = self.extra_roots()?;
        let servers = self.gateway.trusted_servers()?;
        let channels = self.direct_channels(&roots, clock)?;
        if channels.apns.is_none() && channels.fcm.is_none() {
            return Err(Error::push_config(
                "gateway",
                "a gateway needs APNs (--apns-key-file ...) or FCM (--fcm-service-account) \
                 credentials",
            ));
        }
        Ok(GatewayConfig {
            servers,
            apns: channels.apns,
            fcm: channels.fcm,
            requests_per_second: self.gateway.gateway_requests_per_second,
            clock: Arc::clone(clock),
            connection_limits: ConnectionLimits::default(),
        })
    }
}
