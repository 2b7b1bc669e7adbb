// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./SafeWallet.sol";

/// Every Safe is this proxy: it keeps the singleton's address in slot 0 and delegates every
/// call to it (Gnosis Safe 1.3's GnosisSafeProxy does the same).
contract SafeProxy {
    address internal singleton;

    constructor(address singleton_) {
        require(singleton_ != address(0), "Invalid singleton address provided");
        singleton = singleton_;
    }

    function masterCopy() external view returns (address) {
        return singleton;
    }

    receive() external payable {
        _delegate();
    }

    fallback() external payable {
        _delegate();
    }

    function _delegate() private {
        address target = singleton;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}

/// Polymarket's Safe factory as deployed on Polygon: an owner's Safe is a SafeProxy of the
/// factory's master copy, created with CREATE2 (salt keccak256(abi.encode(owner)), init code
/// the proxy's creation code followed by the master copy's address), set up with the owner as
/// its only owner and the factory's fallback handler. The address is known before the Safe
/// exists; the same views as the real factory say how it is computed.
contract SafeFactory {
    event ProxyCreation(address proxy, address owner);

    address public immutable masterCopy;
    address public immutable fallbackHandler;

    constructor(address masterCopy_, address fallbackHandler_) {
        masterCopy = masterCopy_;
        fallbackHandler = fallbackHandler_;
    }

    function proxyCreationCode() public pure returns (bytes memory) {
        return type(SafeProxy).creationCode;
    }

    function getContractBytecode() public view returns (bytes memory) {
        return abi.encodePacked(proxyCreationCode(), abi.encode(masterCopy));
    }

    function getSalt(address user) public pure returns (bytes32) {
        return keccak256(abi.encode(user));
    }

    function computeProxyAddress(address user) public view returns (address) {
        bytes32 hash = keccak256(
            abi.encodePacked(bytes1(0xff), address(this), getSalt(user), keccak256(getContractBytecode()))
        );
        return address(uint160(uint256(hash)));
    }

    /// The owner's Safe, created if it does not exist yet. On Polygon creation takes the
    /// owner's signature (the relayer's SAFE-CREATE); here the sandbox creates one at sign-up.
    function createSafe(address owner) external returns (address safe) {
        safe = computeProxyAddress(owner);
        if (safe.code.length > 0) return safe;
        bytes memory code = getContractBytecode();
        bytes32 salt = getSalt(owner);
        address created;
        assembly {
            created := create2(0, add(code, 0x20), mload(code), salt)
        }
        require(created == safe, "create2 call failed");
        address[] memory owners = new address[](1);
        owners[0] = owner;
        SafeWallet(payable(safe)).setup(owners, 1, address(0), "", fallbackHandler, address(0), 0, payable(address(0)));
        emit ProxyCreation(safe, owner);
    }
}
