"""Answers of the simulated device, element for element as the ONVIF WSDLs define them.

Device service (tds, ver10/device/wsdl), Media (trt, ver10/media/wsdl) and PTZ (tptz,
ver20/ptz/wsdl); data types from the tt schema (ver10/schema). Element order follows the
schema sequences, since strict SOAP stacks reject answers that do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from vmon.sim.onvif.envelope import NAMESPACES, Fault
from vmon.sim.onvif.settings import DeviceSettings

__all__ = [
    "DEVICE_PATH",
    "MEDIA_PATH",
    "PTZ_PATH",
    "Context",
    "capabilities",
    "device_information",
    "device_service_capabilities",
    "hostname",
    "media_service_capabilities",
    "profile",
    "profiles",
    "ptz_service_capabilities",
    "ptz_status",
    "scopes",
    "services",
    "snapshot_uri",
    "stream_uri",
    "system_date_and_time",
    "video_sources",
]

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
PTZ_PATH = "/onvif/ptz_service"
_PAN_TILT_SPACE = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
_ZOOM_SPACE = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"
_LOCAL_OFFSET = timedelta(hours=8)  # TZ "CST-8": China Standard Time
_PROFILES = (("Profile_1", "mainStream", 1920, 1080), ("Profile_2", "subStream", 640, 360))


@dataclass(frozen=True)
class Context:
    """What an answer may depend on: the settings, the address it is served on, its clock."""

    settings: DeviceSettings
    host: str
    port: int
    now: datetime

    @property
    def base_url(self) -> str:
        """``http://host:port`` of this device."""
        return f"http://{self.host}:{self.port}"


def _wrap(tag: str, inner: str) -> str:
    return f"<{tag}>{inner}</{tag}>"


def _date_time(tag: str, when: datetime) -> str:
    return (
        f"<tt:{tag}><tt:Time><tt:Hour>{when.hour}</tt:Hour><tt:Minute>{when.minute}</tt:Minute>"
        f"<tt:Second>{when.second}</tt:Second></tt:Time><tt:Date><tt:Year>{when.year}</tt:Year>"
        f"<tt:Month>{when.month}</tt:Month><tt:Day>{when.day}</tt:Day></tt:Date></tt:{tag}>"
    )


def system_date_and_time(ctx: Context, _op: Element) -> str:
    """GetSystemDateAndTime: the device's own clock, UTC and local (PRE_AUTH)."""
    return (
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
        "<tt:TimeZone><tt:TZ>CST-8:00:00</tt:TZ></tt:TimeZone>"
        f"{_date_time('UTCDateTime', ctx.now)}"
        f"{_date_time('LocalDateTime', ctx.now + _LOCAL_OFFSET)}"
        "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )


def device_information(ctx: Context, _op: Element) -> str:
    """GetDeviceInformation: manufacturer, model, firmware, serial, hardware id."""
    s = ctx.settings
    return (
        "<tds:GetDeviceInformationResponse>"
        f"<tds:Manufacturer>{escape(s.manufacturer)}</tds:Manufacturer>"
        f"<tds:Model>{escape(s.model)}</tds:Model>"
        f"<tds:FirmwareVersion>{escape(s.firmware)}</tds:FirmwareVersion>"
        f"<tds:SerialNumber>{escape(s.serial)}</tds:SerialNumber>"
        f"<tds:HardwareId>{escape(s.hardware_id)}</tds:HardwareId>"
        "</tds:GetDeviceInformationResponse>"
    )


def hostname(ctx: Context, _op: Element) -> str:
    """GetHostname (PRE_AUTH)."""
    return (
        "<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>"
        f"<tt:Name>{escape(ctx.settings.name)}</tt:Name></tds:HostnameInformation>"
        "</tds:GetHostnameResponse>"
    )


def scopes(ctx: Context, _op: Element) -> str:
    """GetScopes: the fixed discovery scopes of a Profile S camera."""
    items = [
        "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/Profile/Streaming",
        f"onvif://www.onvif.org/hardware/{ctx.settings.model}",
        f"onvif://www.onvif.org/name/{ctx.settings.name}",
        "onvif://www.onvif.org/location/country/china",
    ]
    if ctx.settings.ptz:
        items.insert(1, "onvif://www.onvif.org/type/ptz")
    body = "".join(
        f"<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>{escape(item)}</tt:ScopeItem>"
        "</tds:Scopes>"
        for item in items
    )
    return f"<tds:GetScopesResponse>{body}</tds:GetScopesResponse>"


_DEVICE_CAPS = (
    "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
    "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>"
    "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>"
    "<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>"
    "<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>"
    "<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions>"
    "</tt:System>"
    "<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2>"
    "<tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>"
    "<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token>"
    "<tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken>"
    "<tt:RELToken>false</tt:RELToken></tt:Security>"
)
_STREAMING_CAPS = (
    "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
    "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>"
)
_CATEGORIES = {"All", "Device", "Media", "PTZ"}


def capabilities(ctx: Context, op: Element) -> str:
    """GetCapabilities (PRE_AUTH): Device, Media and, on PTZ cameras, PTZ."""
    asked = {(c.text or "").strip() for c in op.findall("{*}Category")} or {"All"}
    if not asked <= _CATEGORIES or ("PTZ" in asked and not ctx.settings.ptz):
        raise Fault("ter:NoSuchService", "The requested capability category is not supported")
    every = "All" in asked
    parts = []
    if every or "Device" in asked:
        parts.append(
            f"<tt:Device><tt:XAddr>{ctx.base_url}{DEVICE_PATH}</tt:XAddr>{_DEVICE_CAPS}</tt:Device>"
        )
    if every or "Media" in asked:
        parts.append(
            f"<tt:Media><tt:XAddr>{ctx.base_url}{MEDIA_PATH}</tt:XAddr>{_STREAMING_CAPS}</tt:Media>"
        )
    if ctx.settings.ptz and (every or "PTZ" in asked):
        parts.append(f"<tt:PTZ><tt:XAddr>{ctx.base_url}{PTZ_PATH}</tt:XAddr></tt:PTZ>")
    caps = f"<tds:Capabilities>{''.join(parts)}</tds:Capabilities>"
    return f"<tds:GetCapabilitiesResponse>{caps}</tds:GetCapabilitiesResponse>"


def _device_caps_element() -> str:
    return (
        '<tds:Capabilities><tds:Network IPFilter="false" ZeroConfiguration="false"'
        ' IPVersion6="false" DynDNS="false" Dot11Configuration="false" HostnameFromDHCP="false"'
        ' NTP="1"/>'
        '<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="false" OnboardKeyGeneration="false"'
        ' AccessPolicyConfig="false" DefaultAccessPolicy="false" Dot1X="false"'
        ' RemoteUserHandling="false" X.509Token="false" SAMLToken="false" KerberosToken="false"'
        ' UsernameToken="true" HttpDigest="false" RELToken="false" MaxUsers="16"/>'
        '<tds:System DiscoveryResolve="false" DiscoveryBye="true" RemoteDiscovery="false"'
        ' SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false"'
        ' HttpFirmwareUpgrade="false" HttpSystemBackup="false" HttpSystemLogging="false"'
        ' HttpSupportInformation="false"/></tds:Capabilities>'
    )


def _media_caps_element() -> str:
    return (
        '<trt:Capabilities SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="false">'
        '<trt:ProfileCapabilities MaximumNumberOfProfiles="2"/>'
        '<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true"/>'
        "</trt:Capabilities>"
    )


def _ptz_caps_element() -> str:
    return '<tptz:Capabilities EFlip="false" Reverse="false" GetCompatibleConfigurations="false"/>'


def device_service_capabilities(_ctx: Context, _op: Element) -> str:
    """Device GetServiceCapabilities (PRE_AUTH): UsernameToken yes, HTTP digest no."""
    return _wrap("tds:GetServiceCapabilitiesResponse", _device_caps_element())


def media_service_capabilities(_ctx: Context, _op: Element) -> str:
    """Media GetServiceCapabilities (PRE_AUTH)."""
    return _wrap("trt:GetServiceCapabilitiesResponse", _media_caps_element())


def ptz_service_capabilities(_ctx: Context, _op: Element) -> str:
    """PTZ GetServiceCapabilities (PRE_AUTH)."""
    return _wrap("tptz:GetServiceCapabilitiesResponse", _ptz_caps_element())


def services(ctx: Context, op: Element) -> str:
    """GetServices (PRE_AUTH): namespace, XAddr and version of each service."""
    include = (op.findtext("{*}IncludeCapability") or "false").strip() in {"true", "1"}
    entries = [
        (NAMESPACES["tds"], DEVICE_PATH, _device_caps_element()),
        (NAMESPACES["trt"], MEDIA_PATH, _media_caps_element()),
    ]
    if ctx.settings.ptz:
        entries.append((NAMESPACES["tptz"], PTZ_PATH, _ptz_caps_element()))
    body = "".join(
        f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{ctx.base_url}{path}</tds:XAddr>"
        + (f"<tds:Capabilities>{caps}</tds:Capabilities>" if include else "")
        + "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
        for ns, path, caps in entries
    )
    return f"<tds:GetServicesResponse>{body}</tds:GetServicesResponse>"


def _ptz_configuration() -> str:
    return (
        '<tt:PTZConfiguration token="PTZToken"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount>'
        "<tt:NodeToken>PTZNODETOKEN</tt:NodeToken>"
        f"<tt:DefaultAbsolutePantTiltPositionSpace>{_PAN_TILT_SPACE}</tt:DefaultAbsolutePantTiltPositionSpace>"
        f"<tt:DefaultAbsoluteZoomPositionSpace>{_ZOOM_SPACE}</tt:DefaultAbsoluteZoomPositionSpace>"
        "<tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout></tt:PTZConfiguration>"
    )


def _profile_xml(ctx: Context, element: str, index: int) -> str:
    token, name, width, height = _PROFILES[index]
    bitrate = 4096 if index == 0 else 512
    return (
        f'<trt:{element} token="{token}" fixed="true"><tt:Name>{name}</tt:Name>'
        '<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name>'
        "<tt:UseCount>2</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken>"
        '<tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>'
        f'<tt:VideoEncoderConfiguration token="VideoEncoderToken_{index + 1}">'
        f"<tt:Name>VideoEncoder_{index + 1}</tt:Name><tt:UseCount>1</tt:UseCount>"
        f"<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>{width}</tt:Width>"
        f"<tt:Height>{height}</tt:Height></tt:Resolution><tt:Quality>3</tt:Quality>"
        "<tt:RateControl><tt:FrameRateLimit>25</tt:FrameRateLimit>"
        f"<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>{bitrate}</tt:BitrateLimit>"
        "</tt:RateControl><tt:H264><tt:GovLength>50</tt:GovLength>"
        "<tt:H264Profile>Main</tt:H264Profile></tt:H264><tt:Multicast><tt:Address>"
        "<tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"
        "<tt:Port>8860</tt:Port><tt:TTL>128</tt:TTL><tt:AutoStart>false</tt:AutoStart>"
        "</tt:Multicast><tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
        f"{_ptz_configuration() if ctx.settings.ptz else ''}</trt:{element}>"
    )


def _profile_index(op: Element) -> int:
    token = (op.findtext("{*}ProfileToken") or "").strip()
    for index, known in enumerate(_PROFILES):
        if known[0] == token:
            return index
    raise Fault("ter:InvalidArgVal/ter:NoProfile", "The requested profile token does not exist")


def profiles(ctx: Context, _op: Element) -> str:
    """GetProfiles: a main and a sub stream, with PTZ configuration on PTZ cameras."""
    body = "".join(_profile_xml(ctx, "Profiles", i) for i in range(len(_PROFILES)))
    return f"<trt:GetProfilesResponse>{body}</trt:GetProfilesResponse>"


def profile(ctx: Context, op: Element) -> str:
    """GetProfile for one token."""
    return _wrap("trt:GetProfileResponse", _profile_xml(ctx, "Profile", _profile_index(op)))


def video_sources(_ctx: Context, _op: Element) -> str:
    """GetVideoSources: one 1080p sensor."""
    return (
        '<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1">'
        "<tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>1920</tt:Width>"
        "<tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>"
    )


def _media_uri(uri: str) -> str:
    return (
        f"<trt:MediaUri><tt:Uri>{escape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
        "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri>"
    )


def stream_uri(ctx: Context, op: Element) -> str:
    """GetStreamUri: the configured RTSP address of the profile."""
    index = _profile_index(op)
    s = ctx.settings
    main = s.stream_uri or f"rtsp://{ctx.host}:554/Streaming/Channels/101"
    uri = main if index == 0 else (s.sub_stream_uri or main)
    return f"<trt:GetStreamUriResponse>{_media_uri(uri)}</trt:GetStreamUriResponse>"


def snapshot_uri(ctx: Context, op: Element) -> str:
    """GetSnapshotUri: the configured JPEG address, or a fault where snapshots are absent."""
    index = _profile_index(op)
    if not ctx.settings.snapshot_supported:
        raise Fault("ter:ActionNotSupported", "Snapshots are not supported", sender=False)
    uri = ctx.settings.snapshot_uri or f"{ctx.base_url}/onvif-http/snapshot?Profile_{index + 1}"
    return f"<trt:GetSnapshotUriResponse>{_media_uri(uri)}</trt:GetSnapshotUriResponse>"


def ptz_status(ctx: Context, op: Element) -> str:
    """PTZ GetStatus: position in the generic spaces, move status, error, UTC time."""
    s = ctx.settings
    if not s.ptz:
        raise Fault("ter:ActionNotSupported", "PTZ is not supported", sender=False)
    _profile_index(op)
    pan, tilt, zoom = s.ptz_position
    state = "MOVING" if s.ptz_moving else "IDLE"
    error = f"<tt:Error>{escape(s.ptz_error)}</tt:Error>" if s.ptz_error else ""
    utc = ctx.now.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return (
        "<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>"
        f"<tt:PanTilt x={quoteattr(str(pan))} y={quoteattr(str(tilt))}"
        f" space={quoteattr(_PAN_TILT_SPACE)}/>"
        f"<tt:Zoom x={quoteattr(str(zoom))} space={quoteattr(_ZOOM_SPACE)}/></tt:Position>"
        f"<tt:MoveStatus><tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom></tt:MoveStatus>"
        f"{error}<tt:UtcTime>{utc}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>"
    )
