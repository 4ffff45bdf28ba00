"""Turn an HIS prescription's printed text into ids and base units for the kernel."""
