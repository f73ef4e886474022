"""Parts of the simulated ONVIF device: SOAP envelopes, WS-Security checks, operation answers.

The server itself and the per-device settings live in `vmon.sim.onvif_device`.
"""
